//! `user_agent.*`: which SDK, tool or browser made the call, and for browsers the operating
//! system and device.
//!
//! A user agent is a list of `product/version` tokens (`aws-cli/2.15.30 Python/3.11.8 ...`), often
//! several AWS ones at once: Terraform's holds `Terraform/1.7.4` and `aws-sdk-go/1.51.0`, Boto3's
//! holds `Botocore/...`. Every token is looked up in one table and the best-ranked one wins, so a
//! tool beats the console, the console beats AWS's internal callers, those beat the CLI, the CLI
//! beats an SDK; a browser beats a plain HTTP library. Service consoles (`S3Console/0.4`,
//! `RDS Console`) are the console and AWS's `aws-internal/3` is a marker, not a version: neither
//! gets one. Browsers (`Mozilla/5.0 (...) ... Chrome/121.0.0.0 Safari/537.36`) are named as
//! Elastic's user-agent processor names them (`Chrome`, `Firefox`, `Safari`, `Edge`, ...), with the
//! OS from the parenthesised comment. Table-driven, one pass over the tokens, no allocation but
//! the written values.

use alloc::borrow::Cow;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

use super::{Enricher, Example, Facts, Key};
use crate::fields::{Fields, F};

pub(crate) static USER_AGENT: Enricher = Enricher {
    name: "user_agent",
    summary: "The SDK, CLI, tool or browser named by the userAgent, with its version; for browsers also the operating system and device.",
    reads: &[F::UserAgent],
    uses: &[],
    writes: &[
        Key { name: "user_agent.original", meaning: "userAgent as given" },
        Key {
            name: "user_agent.name",
            meaning: "the tool or SDK (`terraform`, `aws-cli`, `Boto3`, `aws-sdk-ruby`, `aws-sdk-js`, `aws-sdk-java`, `aws-sdk-go`, `console` for the AWS console and service consoles, `AWS Internal`, an AWS service host, ...), else the browser (`Chrome`, `Chrome Mobile`, `Firefox`, `Safari`, `Mobile Safari`, `Edge`, `Opera`, ...)",
        },
        Key {
            name: "user_agent.version",
            meaning: "the version written after the winning token's `/` (a browser's own version: `Version/` for Safari); none for the console and `aws-internal` markers",
        },
        Key { name: "user_agent.os.name", meaning: "browsers: the operating system (`Windows`, `Mac OS X`, `iOS`, `Android`, `Linux`, `Chrome OS`, ...)" },
        Key { name: "user_agent.os.version", meaning: "browsers: the operating system's version (`10`, `10.15.7`, `17.2`), when the user agent says" },
        Key { name: "user_agent.os.full", meaning: "browsers: name and version (`Mac OS X 10.15.7`)" },
        Key { name: "user_agent.device.name", meaning: "browsers: the device, when the user agent names one (`iPhone`, `iPad`, `Mac`, an Android model)" },
    ],
    failures: &[],
    examples: &[
        Example {
            title: "the Ruby SDK (the CloudFront documentation's example)",
            record: r#"{"eventVersion":"1.08","userAgent":"aws-sdk-ruby/1.39.0 ruby/1.9.3 x86_64-linux"}"#,
            expect: &[("user_agent.name", r#""aws-sdk-ruby""#), ("user_agent.version", r#""1.39.0""#), ("user_agent.os.name", "null")],
        },
        Example {
            title: "Terraform beats the Go SDK it is built on",
            record: r#"{"eventVersion":"1.08","userAgent":"APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0 aws-sdk-go-v2/1.25.2 os/linux"}"#,
            expect: &[("user_agent.name", r#""terraform""#), ("user_agent.version", r#""1.7.4""#)],
        },
        Example {
            title: "a service console through AWS's internal path: the console, no version",
            record: r#"{"eventVersion":"1.08","userAgent":"RDS Console, aws-internal/3 aws-sdk-java/1.12.638 Linux/5.10.205 OpenJDK_64-Bit_Server_VM/17.0.9+9-LTS java/17.0.9 vendor/Amazon.com_Inc."}"#,
            expect: &[("user_agent.name", r#""console""#), ("user_agent.version", "null")],
        },
        Example {
            title: "a browser (a console sign-in)",
            record: r#"{"eventVersion":"1.08","userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36"}"#,
            expect: &[
                ("user_agent.name", r#""Chrome""#),
                ("user_agent.version", r#""121.0.0.0""#),
                ("user_agent.os.name", r#""Windows""#),
                ("user_agent.os.version", r#""10""#),
                ("user_agent.os.full", r#""Windows 10""#),
                ("user_agent.device.name", "null"),
            ],
        },
        Example {
            title: "calls AWS makes for itself",
            record: r#"{"eventVersion":"1.08","userAgent":"AWS Internal"}"#,
            expect: &[("user_agent.original", r#""AWS Internal""#), ("user_agent.name", r#""AWS Internal""#), ("user_agent.version", "null")],
        },
    ],
    run,
};

/// One product token: its lowercase name in user agents, the name written, its rank (lower
/// wins when a user agent holds several) and whether the text after its `/` is a version.
struct Product {
    token: &'static str,
    name: &'static str,
    rank: u8,
    versioned: bool,
}

const TOOL: u8 = 0;
const CONSOLE: u8 = 1;
const INTERNAL: u8 = 2;
const CLI: u8 = 3;
const HIGH_SDK: u8 = 4;
const SDK: u8 = 5;
const BROWSER: u8 = 6;
const HTTP: u8 = 7;

const fn p(token: &'static str, name: &'static str, rank: u8) -> Product {
    Product { token, name, rank, versioned: true }
}

/// A marker without a version (`aws-internal/3`: the `3` is not a release).
const fn marker(token: &'static str, name: &'static str, rank: u8) -> Product {
    Product { token, name, rank, versioned: false }
}

/// Sorted by token (lowercase, byte order); checked by a test.
const PRODUCTS: &[Product] = &[
    p("aws-cdk", "aws-cdk", TOOL),
    p("aws-cli", "aws-cli", CLI),
    marker("aws-internal", "AWS Internal", INTERNAL),
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
    p("terraform", "terraform", TOOL),
];

/// Browser tokens, most specific first (Edge and Opera also write `Chrome/` and `Safari/`;
/// Chrome also writes `Safari/`). (token, name, name when the user agent says `Mobile`).
const BROWSERS: &[(&str, &str, &str)] = &[
    ("Edg", "Edge", "Edge Mobile"),
    ("Edge", "Edge", "Edge Mobile"),
    ("EdgA", "Edge", "Edge Mobile"),
    ("EdgiOS", "Edge", "Edge Mobile"),
    ("OPR", "Opera", "Opera Mobile"),
    ("SamsungBrowser", "Samsung Internet", "Samsung Internet"),
    ("FxiOS", "Firefox iOS", "Firefox iOS"),
    ("CriOS", "Chrome Mobile iOS", "Chrome Mobile iOS"),
    ("Firefox", "Firefox", "Firefox Mobile"),
    ("HeadlessChrome", "HeadlessChrome", "HeadlessChrome"),
    ("Chrome", "Chrome", "Chrome Mobile"),
    ("Safari", "Safari", "Mobile Safari"),
];

/// Whole user agents the console and AWS itself write (compared ignoring ASCII case).
const WHOLE: &[(&str, &str)] = &[
    ("AWS Internal", "AWS Internal"),
    ("console.amazonaws.com", "console"),
    ("console.aws.amazon.com", "console"),
    ("signin.amazonaws.com", "console"),
];

/// What the user agent says about the operating system and device (browsers).
#[derive(Debug, Default, PartialEq, Eq)]
struct Os<'u> {
    name: Option<&'static str>,
    /// Owned when the user agent writes it with `_` (`10_15_7`) or through a table (`NT 6.1`).
    version: Option<Cow<'u, str>>,
    device: Option<&'u str>,
}

#[derive(Debug, PartialEq, Eq)]
struct Parsed<'u> {
    name: Option<&'u str>,
    version: Option<&'u str>,
    os: Os<'u>,
}

fn run<'a>(fields: &Fields<'a>, facts: &mut Facts<'a>) {
    let Some(ua) = fields.text(F::UserAgent) else { return };
    cached(&ua, |d| {
        facts.ua_name = d.name.clone();
        facts.ua_version = d.version.clone();
        facts.ua_os_name = d.os_name;
        facts.ua_os_version = d.os_version.clone();
        facts.ua_os_full = d.os_full.clone();
        facts.ua_device = d.device.clone();
    });
    facts.ua_original = Some(ua);
}

/// What a user agent text gives, owned (a cache entry; shared with the records' facts).
#[derive(Clone, Default)]
struct Described {
    name: Option<Rc<str>>,
    version: Option<Rc<str>>,
    os_name: Option<&'static str>,
    os_version: Option<Rc<str>>,
    os_full: Option<Rc<str>>,
    device: Option<Rc<str>>,
}

fn describe(ua: &str) -> Described {
    let parsed = parse(ua);
    let mut d = Described { name: parsed.name.map(Rc::from), version: parsed.version.map(Rc::from), ..Described::default() };
    if let Some(os) = parsed.os.name {
        let version = parsed.os.version.as_deref();
        d.os_full = Some(match version {
            Some(v) => Rc::from(alloc::format!("{os} {v}")),
            None => Rc::from(os),
        });
        d.os_name = Some(os);
        d.os_version = version.map(Rc::from);
    }
    d.device = parsed.os.device.map(Rc::from);
    d
}

/// Slots of the parse cache (direct-mapped) and the longest text it keeps.
const SLOTS: usize = 256;
const CACHED_MAX: usize = 1024;

/// `describe(ua)`, remembered: a log repeats a handful of user agents record after record, and
/// parsing one costs ~8,700 instructions (callgrind, real samples) against ~100 for a lookup.
/// The parse is a pure function of the text, so a cached answer is the same answer. Bounded:
/// `SLOTS` entries of at most `CACHED_MAX` bytes; a longer text is parsed every time.
fn cached<R>(ua: &str, then: impl FnOnce(&Described) -> R) -> R {
    std::thread_local! {
        static CACHE: core::cell::RefCell<Vec<(String, Described)>> = const { core::cell::RefCell::new(Vec::new()) };
    }
    let b = ua.as_bytes();
    // (An empty slot's key is empty: an empty text is never looked up.)
    if b.len() > CACHED_MAX || b.is_empty() {
        return then(&describe(ua));
    }
    CACHE.with(|cache| {
        let mut c = cache.borrow_mut();
        if c.is_empty() {
            c.resize_with(SLOTS, Default::default);
        }
        let e = &mut c[slot_of(b)];
        if e.0 != ua {
            *e = (String::from(ua), describe(ua));
        }
        then(&e.1)
    })
}

/// The slot of a text: a multiply-rotate hash over its 8-byte words (user agents often differ
/// only in a version number in the middle, so every byte counts).
fn slot_of(b: &[u8]) -> usize {
    let mut h = b.len() as u64;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w.try_into().unwrap_or_default())).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    for &c in words.remainder() {
        h = (h.rotate_left(5) ^ u64::from(c)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    (h >> 56) as usize % SLOTS
}

/// The product a user agent names, its version, and (browsers) the operating system.
fn parse(ua: &str) -> Parsed<'_> {
    let trimmed = ua.trim();
    let none = Parsed { name: None, version: None, os: Os::default() };
    if let Some((_, name)) = WHOLE.iter().find(|(w, _)| w.eq_ignore_ascii_case(trimmed)) {
        return Parsed { name: Some(name), ..none };
    }
    // (rank, name, version) of the best token so far; a browser token's index breaks ties.
    let mut best: Option<(u8, &str, Option<&str>)> = None;
    let mut browser: Option<(usize, Option<&str>)> = None;
    let mut safari_version = None;
    let mut mobile = false;
    for token in trimmed.split(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | '(' | ')' | ',' | ';')) {
        let (name, version) = match token.split_once('/') {
            Some((n, v)) => (n, Some(v).filter(|v| !v.is_empty())),
            None => (token, None),
        };
        if name.is_empty() {
            continue;
        }
        let mut found: Option<(u8, &str, Option<&str>)> = None;
        if let Ok(i) = PRODUCTS.binary_search_by(|p| cmp_ignore_case(p.token, name)) {
            let p = &PRODUCTS[i];
            found = Some((p.rank, p.name, version.filter(|_| p.versioned)));
        } else if ends_with_ignore_case(name, "console") {
            // `S3Console/0.4`, `RDS Console`, `Console`: a service's console, whose number is
            // the console's own build, not something a user runs.
            found = Some((CONSOLE, "console", None));
        } else if name == "Version" {
            safari_version = version;
        } else if name == "Mobile" {
            mobile = true;
        } else if version.is_some() {
            if let Some(i) = BROWSERS.iter().position(|(t, _, _)| *t == name) {
                if browser.map_or(true, |(b, _)| i < b) {
                    browser = Some((i, version));
                }
            }
        }
        if let Some(f) = found {
            if best.map_or(true, |b| f.0 < b.0) {
                best = Some(f);
            }
        }
    }
    let os = if starts_with_ignore_case(trimmed, "Mozilla/") { os_of(trimmed) } else { Os::default() };
    if let Some((i, version)) = browser.filter(|_| best.map_or(true, |b| b.0 > BROWSER)) {
        let (_, name, mobile_name) = BROWSERS[i];
        let mobile = mobile || os.name == Some("Android");
        let is_ios = os.name == Some("iOS");
        let name = if (name == "Safari" && is_ios) || (mobile && name != "Safari") { mobile_name } else { name };
        // Safari's own version is in `Version/`; `Safari/605.1.15` is its WebKit build.
        let version = if BROWSERS[i].0 == "Safari" { safari_version } else { version };
        return Parsed { name: Some(name), version, os };
    }
    if let Some((_, name, version)) = best {
        return Parsed { name: Some(name), version, os };
    }
    // A service calling on its own writes just its host (`ec2.amazonaws.com`); a service's
    // console writes `console.<service>.amazonaws.com`.
    if trimmed.ends_with(".amazonaws.com") && !trimmed.contains(char::is_whitespace) && !trimmed.contains('/') {
        return Parsed { name: Some(if trimmed.starts_with("console.") { "console" } else { trimmed }), ..none };
    }
    Parsed { os, ..none }
}

/// The operating system and device from a browser's first parenthesised comment
/// (`(Macintosh; Intel Mac OS X 10_15_7)`), as Elastic's user-agent processor names them.
fn os_of(ua: &str) -> Os<'_> {
    let Some(open) = ua.find('(') else { return Os::default() };
    let rest = &ua[open + 1..];
    let comment = &rest[..rest.find(')').unwrap_or(rest.len())];
    let mut os = Os::default();
    let mut android_next = false;
    let mut linux = false;
    for seg in comment.split(';').map(str::trim) {
        if android_next {
            android_next = false;
            let model = seg.split(" Build/").next().unwrap_or(seg).trim();
            // Chrome's reduced user agent writes `K` for every Android model.
            if !model.is_empty() && model != "K" && model != "wv" && !model.contains('-') {
                os.device = Some(model);
            }
        }
        if let Some(v) = seg.strip_prefix("Windows NT ") {
            os.name = Some("Windows");
            os.version = windows_version(v).map(Cow::Borrowed);
        } else if seg == "iPhone" || seg == "iPad" || seg == "iPod touch" {
            os.device = Some(seg);
            os.name = Some("iOS");
        } else if let Some(i) = seg.find(" OS ").filter(|_| seg.starts_with("CPU ")) {
            os.name = Some("iOS");
            os.version = dotted(first_word(&seg[i + 4..]));
        } else if let Some(v) = seg.strip_prefix("Intel Mac OS X ").or_else(|| seg.strip_prefix("PPC Mac OS X ")) {
            os.name = Some("Mac OS X");
            os.version = dotted(v);
        } else if seg == "Macintosh" {
            os.device = Some("Mac");
            os.name = os.name.or(Some("Mac OS X"));
        } else if let Some(v) = seg.strip_prefix("Android") {
            os.name = Some("Android");
            os.version = dotted(v.trim());
            android_next = true;
        } else if let Some(v) = seg.strip_prefix("CrOS ") {
            os.name = Some("Chrome OS");
            os.version = v.rsplit(' ').next().and_then(dotted);
        } else if seg == "Ubuntu" || seg.starts_with("Ubuntu ") {
            os.name = Some("Ubuntu");
        } else if seg.starts_with("Linux") {
            linux = true;
        }
    }
    if os.name.is_none() && linux {
        os.name = Some("Linux");
    }
    os
}

/// `NT 10.0` is Windows 10 (and 11, which writes the same), as the user-agent databases say.
fn windows_version(nt: &str) -> Option<&'static str> {
    Some(match nt.trim() {
        "10.0" => "10",
        "6.3" => "8.1",
        "6.2" => "8",
        "6.1" => "7",
        "6.0" => "Vista",
        "5.1" | "5.2" => "XP",
        _ => return None,
    })
}

fn first_word(s: &str) -> &str {
    s.split(' ').next().unwrap_or("")
}

/// A version of digits and `_` or `.` separators, written with dots; None for anything else.
fn dotted(v: &str) -> Option<Cow<'_, str>> {
    let v = v.trim();
    if v.is_empty() || !v.as_bytes()[0].is_ascii_digit() || !v.bytes().all(|c| c.is_ascii_digit() || c == b'.' || c == b'_') {
        return None;
    }
    Some(if v.contains('_') { Cow::Owned(v.replace('_', ".")) } else { Cow::Borrowed(v) })
}

/// Byte order of the ASCII-lowercased strings (table tokens are lowercase already).
fn cmp_ignore_case(table: &str, s: &str) -> core::cmp::Ordering {
    table.bytes().cmp(s.bytes().map(|c| c.to_ascii_lowercase()))
}

fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len() && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
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

    fn name_version(ua: &str) -> Option<(&str, Option<&str>)> {
        let p = parse(ua);
        p.name.map(|n| (n, p.version))
    }

    #[test]
    fn parse_table() {
        crate::table_test!(name_version, [
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
            ("bracketed S3 console: the console, no version", "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.11.1030]", Some(("console", None::<&str>))),
            ("RDS console", "RDS Console, aws-internal/3 aws-sdk-java/1.12.638 Linux/5.10", Some(("console", None::<&str>))),
            ("aws-internal is a marker, not a version", "[aws-internal/3 aws-sdk-java/1.11.1030 Linux/4.9]", Some(("AWS Internal", None::<&str>))),
            ("CloudTrail's own calls", "[AWSCloudTrail, aws-internal/3 aws-sdk-java/1.12.720 Linux/5.10]", Some(("AWS Internal", None::<&str>))),
            ("AWS Internal whole", "AWS Internal", Some(("AWS Internal", None::<&str>))),
            ("console host", "console.amazonaws.com", Some(("console", None::<&str>))),
            ("service console host", "console.ec2.amazonaws.com", Some(("console", None::<&str>))),
            ("service host", "cloudformation.amazonaws.com", Some(("cloudformation.amazonaws.com", None::<&str>))),
            ("chrome", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36", Some(("Chrome", Some("121.0.0.0")))),
            ("firefox", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", Some(("Firefox", Some("128.0")))),
            ("safari", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2.1 Safari/605.1.15", Some(("Safari", Some("17.2.1")))),
            ("edge", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.2277.83", Some(("Edge", Some("121.0.2277.83")))),
            ("iphone safari", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1", Some(("Mobile Safari", Some("17.2")))),
            ("android chrome", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.6167.143 Mobile Safari/537.36", Some(("Chrome Mobile", Some("121.0.6167.143")))),
            ("an AWS name beats the browser it runs in", "aws-sdk-js/2.1490.0 promise Mozilla/5.0 (X11; Linux x86_64) Chrome/121.0.0.0", Some(("aws-sdk-js", Some("2.1490.0")))),
            ("a browser beats an HTTP library", "Mozilla/5.0 (X11; Linux x86_64) Chrome/121.0.0.0 curl/8.0", Some(("Chrome", Some("121.0.0.0")))),
            ("mozilla alone names no browser", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", None::<(&str, Option<&str>)>),
            ("empty version", "aws-cli/ Python/3", Some(("aws-cli", None::<&str>))),
            ("no version", "terraform", Some(("terraform", None::<&str>))),
            ("garbage", "%%%", None::<(&str, Option<&str>)>),
            ("non-ASCII", "ä/1 aws-sdk-ruby3/3.1.0", Some(("aws-sdk-ruby", Some("3.1.0")))),
            ("non-ASCII console", "äConsole/1", Some(("console", None::<&str>))),
        ]);
    }

    fn os(ua: &str) -> (Option<&'static str>, Option<String>, Option<String>) {
        let p = parse(ua);
        (p.os.name, p.os.version.map(|v| v.into_owned()), p.os.device.map(String::from))
    }

    fn o(name: Option<&'static str>, version: Option<&str>, device: Option<&str>) -> (Option<&'static str>, Option<String>, Option<String>) {
        (name, version.map(String::from), device.map(String::from))
    }

    #[test]
    fn os_table() {
        crate::table_test!(os, [
            ("windows 10", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36", o(Some("Windows"), Some("10"), None)),
            ("windows 7", "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko", o(Some("Windows"), Some("7"), None)),
            ("mac", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2.1 Safari/605.1.15", o(Some("Mac OS X"), Some("10.15.7"), Some("Mac"))),
            ("mac firefox", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:122.0) Gecko/20100101 Firefox/122.0", o(Some("Mac OS X"), Some("10.15"), Some("Mac"))),
            ("iphone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1", o(Some("iOS"), Some("17.2"), Some("iPhone"))),
            ("ipad", "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1", o(Some("iOS"), Some("16.6"), Some("iPad"))),
            ("android model", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.6167.143 Mobile Safari/537.36", o(Some("Android"), Some("14"), Some("Pixel 8"))),
            ("android reduced", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Mobile Safari/537.36", o(Some("Android"), Some("10"), None)),
            ("linux", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", o(Some("Linux"), None, None)),
            ("ubuntu", "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", o(Some("Ubuntu"), None, None)),
            ("chrome os", "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36", o(Some("Chrome OS"), Some("14541.0.0"), None)),
            ("sdk comments are not parsed", "aws-sdk-go/1.44.0 (go1.19; linux; amd64)", o(None, None, None)),
            ("unclosed comment", "Mozilla/5.0 (Windows NT 10.0", o(Some("Windows"), Some("10"), None)),
            ("odd versions are left out", "Mozilla/5.0 (Macintosh; Intel Mac OS X x_y)", o(Some("Mac OS X"), None, Some("Mac"))),
        ]);
    }

    /// The parse cache gives what a fresh parse gives, whatever was looked up before: texts that
    /// differ only inside (same length, same ends), many more texts than slots (evictions), texts
    /// longer than what it keeps, and each again after the others.
    #[test]
    fn cache_answers_as_a_fresh_parse() {
        let key = |d: &Described| (d.name.clone(), d.version.clone(), d.os_name, d.os_version.clone(), d.os_full.clone(), d.device.clone());
        let mut uas: Vec<String> = Vec::new();
        for i in 0..3 * SLOTS {
            uas.push(alloc::format!("aws-cli/2.{}.{} Python/3.11.8 Linux/5.10 exe/x86_64", i % 97, i));
            uas.push(alloc::format!("Boto3/1.{i}.0 md/Botocore#1.{i}.0 ua/2.0 os/linux"));
        }
        uas.push(String::from("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15"));
        uas.push(String::from("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Mobile Safari/537.36"));
        // Longer than kept, the same length, alike up to the last token.
        uas.push(alloc::format!("{} Terraform/1.7.4", "x".repeat(CACHED_MAX)));
        uas.push(alloc::format!("{} aws-sdk-go/1.51", "x".repeat(CACHED_MAX)));
        uas.push(String::from("ec2.amazonaws.com"));
        uas.push(String::from("console.amazonaws.com"));
        for round in 0..3 {
            for (i, ua) in uas.iter().enumerate() {
                // Every other text twice in a row (a hit), the rest once (mostly evicted between rounds).
                let n = if (i + round) % 2 == 0 { 2 } else { 1 };
                for _ in 0..n {
                    assert_eq!(cached(ua, key), key(&describe(ua)), "{ua}");
                }
            }
        }
    }
}
