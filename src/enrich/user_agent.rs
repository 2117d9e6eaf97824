//! `user_agent.original`, `user_agent.name`, `user_agent.version`: which SDK or tool made the call.
//!
//! A user agent is a list of `product/version` tokens (`aws-cli/2.15.30 Python/3.11.8 ...`), often
//! several AWS ones at once: Terraform's holds `Terraform/1.7.4` and `aws-sdk-go/1.51.0`, Boto3's
//! holds `Botocore/...`. Every token is looked up in one table and the best-ranked one wins, so a
//! tool beats the CLI, the CLI beats an SDK, and an SDK beats a plain HTTP library.

use alloc::borrow::Cow;
use alloc::string::String;

use super::{Enricher, Example, Facts, Key};
use crate::fields::{Fields, F};

pub(crate) static USER_AGENT: Enricher = Enricher {
    name: "user_agent",
    summary: "The SDK, CLI or tool named by the userAgent, with its version.",
    reads: &["userAgent"],
    writes: &[
        Key { name: "user_agent.original", meaning: "userAgent as given" },
        Key {
            name: "user_agent.name",
            meaning: "the tool or SDK (`terraform`, `aws-cli`, `Boto3`, `aws-sdk-ruby`, `aws-sdk-js`, `aws-sdk-java`, `aws-sdk-go`, `console`, `AWS Internal`, an AWS service host, ...)",
        },
        Key { name: "user_agent.version", meaning: "the version written after the winning token's `/`" },
    ],
    failures: &[],
    examples: &[
        Example {
            title: "the Ruby SDK (the CloudFront documentation's example)",
            record: r#"{"userAgent":"aws-sdk-ruby/1.39.0 ruby/1.9.3 x86_64-linux"}"#,
            expect: &[("user_agent.name", r#""aws-sdk-ruby""#), ("user_agent.version", r#""1.39.0""#)],
        },
        Example {
            title: "Terraform beats the Go SDK it is built on",
            record: r#"{"userAgent":"APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0 aws-sdk-go-v2/1.25.2 os/linux"}"#,
            expect: &[("user_agent.name", r#""terraform""#), ("user_agent.version", r#""1.7.4""#)],
        },
        Example {
            title: "calls AWS makes for itself",
            record: r#"{"userAgent":"AWS Internal"}"#,
            expect: &[("user_agent.original", r#""AWS Internal""#), ("user_agent.name", r#""AWS Internal""#), ("user_agent.version", "null")],
        },
    ],
    run,
};

/// One product token: its lowercase name in user agents, the name written, and its rank
/// (lower wins when a user agent holds several).
struct Product {
    token: &'static str,
    name: &'static str,
    rank: u8,
}

const TOOL: u8 = 0;
const CONSOLE: u8 = 1;
const CLI: u8 = 2;
const HIGH_SDK: u8 = 3;
const SDK: u8 = 4;
const HTTP: u8 = 5;

const fn p(token: &'static str, name: &'static str, rank: u8) -> Product {
    Product { token, name, rank }
}

/// Sorted by token (lowercase, byte order); checked by a test.
const PRODUCTS: &[Product] = &[
    p("aws-cdk", "aws-cdk", TOOL),
    p("aws-cli", "aws-cli", CLI),
    p("aws-internal", "AWS Internal", CONSOLE),
    p("aws-powershell", "aws-powershell", CLI),
    p("aws-sam-cli", "aws-sam-cli", TOOL),
    p("aws-sdk-cpp", "aws-sdk-cpp", SDK),
    p("aws-sdk-dotnet-coreclr", "aws-sdk-dotnet", SDK),
    p("aws-sdk-go", "aws-sdk-go", SDK),
    p("aws-sdk-go-v2", "aws-sdk-go-v2", SDK),
    p("aws-sdk-java", "aws-sdk-java", SDK),
    p("aws-sdk-js", "aws-sdk-js", SDK),
    p("aws-sdk-nodejs", "aws-sdk-js", SDK),
    p("aws-sdk-php", "aws-sdk-php", SDK),
    p("aws-sdk-ruby", "aws-sdk-ruby", SDK),
    p("aws-sdk-ruby2", "aws-sdk-ruby", SDK),
    p("aws-sdk-ruby3", "aws-sdk-ruby", SDK),
    p("aws-sdk-rust", "aws-sdk-rust", SDK),
    p("awspowershell", "aws-powershell", CLI),
    p("boto3", "Boto3", HIGH_SDK),
    p("botocore", "botocore", SDK),
    p("cloudshell", "cloudshell", CLI),
    p("curl", "curl", HTTP),
    p("go-http-client", "Go-http-client", HTTP),
    p("okhttp", "okhttp", HTTP),
    p("pulumi", "pulumi", TOOL),
    p("python-requests", "python-requests", HTTP),
    p("s3console", "console", CONSOLE),
    p("terraform", "terraform", TOOL),
];

/// Whole user agents the console and AWS itself write (compared ignoring ASCII case).
const WHOLE: &[(&str, &str)] = &[
    ("AWS Internal", "AWS Internal"),
    ("console.amazonaws.com", "console"),
    ("console.aws.amazon.com", "console"),
    ("signin.amazonaws.com", "console"),
];

fn run<'a>(fields: &Fields<'a>, facts: &mut Facts<'a>) {
    let Some(ua) = fields.text(F::UserAgent) else { return };
    if let Some((name, version)) = parse(&ua) {
        facts.ua_name = Some(Cow::Owned(String::from(name)));
        facts.ua_version = version.map(|v| Cow::Owned(String::from(v)));
    }
    facts.ua_original = Some(ua);
}

/// The product a user agent names, and its version.
fn parse(ua: &str) -> Option<(&str, Option<&str>)> {
    let trimmed = ua.trim();
    if let Some((_, name)) = WHOLE.iter().find(|(w, _)| w.eq_ignore_ascii_case(trimmed)) {
        return Some((name, None));
    }
    let mut best: Option<(&Product, Option<&str>)> = None;
    for token in trimmed.split(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | '(' | ')' | ',' | ';')) {
        let (name, version) = match token.split_once('/') {
            Some((n, v)) => (n, Some(v).filter(|v| !v.is_empty())),
            None => (token, None),
        };
        let Ok(i) = PRODUCTS.binary_search_by(|p| cmp_ignore_case(p.token, name)) else { continue };
        let product = &PRODUCTS[i];
        if best.map_or(true, |(b, _)| product.rank < b.rank) {
            best = Some((product, version));
        }
    }
    if let Some((p, v)) = best {
        return Some((p.name, v));
    }
    // A service calling on its own writes just its host (`ec2.amazonaws.com`); a service's
    // console writes `console.<service>.amazonaws.com`.
    if trimmed.ends_with(".amazonaws.com") && !trimmed.contains(char::is_whitespace) && !trimmed.contains('/') {
        return Some((if trimmed.starts_with("console.") { "console" } else { trimmed }, None));
    }
    None
}

/// Byte order of the ASCII-lowercased strings (table tokens are lowercase already).
fn cmp_ignore_case(table: &str, s: &str) -> core::cmp::Ordering {
    table.bytes().cmp(s.bytes().map(|c| c.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_sorted_lowercase_without_duplicates() {
        assert!(PRODUCTS.windows(2).all(|w| w[0].token < w[1].token));
        assert!(PRODUCTS.iter().all(|p| p.token.bytes().all(|c| !c.is_ascii_uppercase())));
    }

    #[test]
    fn whole_sorted_without_duplicates() {
        assert!(WHOLE.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn parse_table() {
        crate::table_test!(parse, [
            ("ruby", "aws-sdk-ruby/1.39.0 ruby/1.9.3 x86_64-linux", Some(("aws-sdk-ruby", Some("1.39.0")))),
            ("cli v2", "aws-cli/2.15.30 Python/3.11.8 Darwin/23.3.0 exe/x86_64 prompt/off command/cloudfront.create-invalidation", Some(("aws-cli", Some("2.15.30")))),
            ("cli v1 on botocore", "aws-cli/1.18.69 Python/3.8.5 Linux/5.4 botocore/1.17.0", Some(("aws-cli", Some("1.18.69")))),
            ("boto3 beats botocore", "Boto3/1.26.0 Python/3.9.1 Linux/5.10 Botocore/1.29.0", Some(("Boto3", Some("1.26.0")))),
            ("botocore alone", "Botocore/1.29.0 Python/3.9.1", Some(("botocore", Some("1.29.0")))),
            ("js v3", "aws-sdk-js/3.454.0 ua/2.0 os/linux#5.10 lang/js md/nodejs#18.18.2", Some(("aws-sdk-js", Some("3.454.0")))),
            ("java", "aws-sdk-java/1.12.470 Linux/5.10 OpenJDK_64-Bit_Server_VM/25.372-b08", Some(("aws-sdk-java", Some("1.12.470")))),
            ("go", "aws-sdk-go/1.44.0 (go1.19; linux; amd64)", Some(("aws-sdk-go", Some("1.44.0")))),
            ("go v2", "aws-sdk-go-v2/1.17.0 os/linux lang/go#1.19", Some(("aws-sdk-go-v2", Some("1.17.0")))),
            ("terraform", "APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) aws-sdk-go/1.51.0", Some(("terraform", Some("1.7.4")))),
            ("bracketed console", "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.11.1030]", Some(("console", Some("0.4")))),
            ("aws-internal over sdk", "[aws-internal/3 aws-sdk-java/1.11.1030 Linux/4.9]", Some(("AWS Internal", Some("3")))),
            ("AWS Internal whole", "AWS Internal", Some(("AWS Internal", None::<&str>))),
            ("console host", "console.amazonaws.com", Some(("console", None::<&str>))),
            ("service console host", "console.ec2.amazonaws.com", Some(("console", None::<&str>))),
            ("service host", "cloudformation.amazonaws.com", Some(("cloudformation.amazonaws.com", None::<&str>))),
            ("browser is not guessed", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", None::<(&str, Option<&str>)>),
            ("empty version", "aws-cli/ Python/3", Some(("aws-cli", None::<&str>))),
            ("no version", "terraform", Some(("terraform", None::<&str>))),
            ("garbage", "%%%", None::<(&str, Option<&str>)>),
            ("non-ASCII", "ä/1 aws-sdk-ruby3/3.1.0", Some(("aws-sdk-ruby", Some("3.1.0")))),
        ]);
    }
}
