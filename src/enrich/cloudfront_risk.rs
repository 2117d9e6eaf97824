//! `cloudfront.risk`: flags for risky CloudFront configurations and operations found in the
//! request. Each flag is one row of `RISKS` with the reason it matters; docs/SCHEMA.md lists them.
//! The flags judge the request only: CloudTrail does not show the configuration before the call,
//! so a flag says "this call sets X", not "X changed".

use alloc::vec::Vec;

use super::{provider, Enricher, Example, Facts, Key, Outcome};
use crate::fields::{Fields, F};
use crate::json;

/// What a check looks at.
struct Ctx<'r, 'a> {
    action: &'r str,
    /// The captured fields: the flattening pass already picked out the members of the
    /// distribution configuration these checks read (`F::Dc*`), so nothing is scanned again.
    fields: &'r Fields<'a>,
    /// The three origin checks share one pass over the origins (they can be long).
    origins: core::cell::OnceCell<Origins>,
}

impl<'r, 'a> Ctx<'r, 'a> {
    fn f(&self, f: F) -> Option<&'a [u8]> {
        self.fields.raw(f)
    }

    fn origins(&self) -> &Origins {
        self.origins.get_or_init(|| origins(self))
    }
}

/// What the origin checks find, over all of `distributionConfig.origins.items`.
#[derive(Default)]
struct Origins {
    /// A custom origin with originProtocolPolicy `http-only`.
    http_only: bool,
    /// A custom origin allowing SSLv3, TLSv1 or TLSv1.1.
    weak_tls: bool,
    /// An S3 origin with an empty originAccessIdentity and no originAccessControlId.
    s3_without_access_control: bool,
}

#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Risk {
    pub flag: &'static str,
    pub reason: &'static str,
    check: fn(&Ctx<'_, '_>) -> bool,
}

/// Sorted by flag; the order flags are written in. Checked by a test.
pub(crate) const RISKS: &[Risk] = &[
    Risk {
        flag: "alias_moved",
        reason: "AssociateAlias moves a domain name to another distribution, which then serves all of that domain's traffic: an unexpected move is a takeover",
        check: |c| c.action == "AssociateAlias",
    },
    Risk {
        flag: "distribution_deleted",
        reason: "the site behind the distribution goes offline, and its domain names become free to attach elsewhere (dangling DNS records invite takeover)",
        check: |c| matches!(c.action, "DeleteDistribution" | "DeleteStreamingDistribution"),
    },
    Risk {
        flag: "distribution_disabled",
        reason: "a configuration with enabled=false stops the distribution serving traffic: an outage if unintended",
        check: |c| c.f(F::DcEnabled) == Some(b"false"),
    },
    Risk {
        flag: "function_published",
        reason: "PublishFunction puts code live on every viewer request of the distributions using the function: it can rewrite, redirect or leak traffic",
        check: |c| c.action == "PublishFunction",
    },
    Risk {
        flag: "geo_restriction_removed",
        reason: "an update that sets geo restriction to `none` serves content to every country (licensing, sanctions); compare with the previous configuration",
        check: |c| {
            c.action == "UpdateDistribution"
                && c.f(F::DcRestrictions).and_then(|r| str_at(r, &["geoRestriction", "restrictionType"])).as_deref() == Some("none")
        },
    },
    Risk {
        flag: "invalidate_all",
        reason: "invalidating `/*` empties the cache everywhere: the origin takes the full load (a cheap denial-of-service lever) and the call can cost money",
        check: |c| {
            c.action.starts_with("CreateInvalidation")
                && c.f(F::ReqInvalidationPaths).is_some_and(|items| {
                    json::elements(items).any(|p| matches!(json::as_str(p).as_deref(), Some("/*" | "*")))
                })
        },
    },
    Risk {
        flag: "logging_disabled",
        reason: "standard access logging off: requests to the distribution leave no trace for investigations",
        check: |c| c.f(F::DcLogging).and_then(|l| json::get(l, &["enabled"])) == Some(b"false"),
    },
    Risk {
        flag: "no_waf",
        reason: "an empty webACLId leaves the distribution without AWS WAF: no rate limiting, bot or injection filtering in front of the origin",
        check: |c| c.f(F::DcWebAclId).and_then(json::as_str).is_some_and(|s| s.is_empty()),
    },
    Risk {
        flag: "origin_http_only",
        reason: "a custom origin with originProtocolPolicy http-only: traffic between CloudFront and the origin is unencrypted and can be read or altered",
        check: |c| c.origins().http_only,
    },
    Risk {
        flag: "origin_weak_tls",
        reason: "a custom origin allows SSLv3, TLSv1 or TLSv1.1 (originSslProtocols): protocols with known attacks",
        check: |c| c.origins().weak_tls,
    },
    Risk {
        flag: "s3_origin_without_access_control",
        reason: "an S3 origin with neither an origin access identity nor an origin access control: the bucket must be public, and viewers can bypass CloudFront",
        check: |c| c.origins().s3_without_access_control,
    },
    Risk {
        flag: "signing_key_added",
        reason: "CreatePublicKey adds a key that can sign URLs and cookies for private content once placed in a key group",
        check: |c| c.action == "CreatePublicKey",
    },
    Risk {
        flag: "viewer_http_allowed",
        reason: "a cache behavior with viewerProtocolPolicy allow-all: viewers may use plain HTTP, so content and cookies travel unencrypted",
        check: |c| {
            let allow_all = |b: &[u8]| str_at(b, &["viewerProtocolPolicy"]).as_deref() == Some("allow-all");
            c.f(F::DcDefaultCacheBehavior).is_some_and(allow_all)
                || c.f(F::DcCacheBehaviors).and_then(|cb| json::get(cb, &["items"])).is_some_and(|items| json::elements(items).any(allow_all))
        },
    },
    Risk {
        flag: "waf_disassociated",
        reason: "removing the web ACL takes AWS WAF protection off the distribution",
        check: |c| matches!(c.action, "DisassociateDistributionWebACL" | "DisassociateDistributionTenantWebACL"),
    },
    Risk {
        flag: "weak_tls",
        reason: "viewerCertificate.minimumProtocolVersion below TLSv1.2_2018 lets viewers negotiate TLS 1.0/1.1 (or SSLv3)",
        check: |c| {
            c.f(F::DcViewerCertificate)
                .and_then(|v| str_at(v, &["minimumProtocolVersion"]))
                .is_some_and(|v| matches!(v.as_str(), "SSLv3" | "TLSv1" | "TLSv1_2016" | "TLSv1.1_2016"))
        },
    },
];

pub(crate) static CLOUDFRONT_RISK: Enricher = Enricher {
    name: "cloudfront_risk",
    summary: "Flags for risky CloudFront configurations and operations in the request (see the flag table below).",
    reads: &["requestParameters", "eventName (through event.action)", "eventSource (through event.provider)"],
    writes: &[Key { name: "cloudfront.risk", meaning: "array of risk flags, in table order, for CloudFront calls that did not fail; absent when none applies" }],
    failures: &[],
    examples: &[
        Example {
            title: "an update with plain-HTTP viewers, an http-only origin and logging off",
            record: r#"{"eventSource":"cloudfront.amazonaws.com","eventName":"UpdateDistribution","requestParameters":{"id":"E1","distributionConfig":{"defaultCacheBehavior":{"viewerProtocolPolicy":"allow-all"},"origins":{"quantity":1,"items":[{"id":"o","customOriginConfig":{"originProtocolPolicy":"http-only"}}]},"logging":{"enabled":false},"enabled":true}}}"#,
            expect: &[("cloudfront.risk", r#"["logging_disabled","origin_http_only","viewer_http_allowed"]"#)],
        },
        Example {
            title: "deleting a distribution",
            record: r#"{"eventSource":"cloudfront.amazonaws.com","eventName":"DeleteDistribution","requestParameters":{"id":"E1","ifMatch":"E2"}}"#,
            expect: &[("cloudfront.risk", r#"["distribution_deleted"]"#)],
        },
        Example {
            title: "a safe configuration has no flags",
            record: r#"{"eventSource":"cloudfront.amazonaws.com","eventName":"CreateDistribution","requestParameters":{"distributionConfig":{"defaultCacheBehavior":{"viewerProtocolPolicy":"redirect-to-https"},"viewerCertificate":{"minimumProtocolVersion":"TLSv1.2_2021"},"webACLId":"arn:aws:wafv2:us-east-1:1:global/webacl/x/y","logging":{"enabled":true},"enabled":true}}}"#,
            expect: &[("cloudfront.risk", "null")],
        },
    ],
    run,
};

fn run<'a>(fields: &Fields<'a>, facts: &mut Facts<'a>) {
    // A failed call changed nothing: its request is not a configuration in effect.
    if facts.provider.as_deref() != Some(provider::CLOUDFRONT) || facts.outcome == Some(Outcome::Failure) {
        return;
    }
    let Some(action) = facts.action.as_deref() else { return };
    let ctx = Ctx { action, fields, origins: core::cell::OnceCell::new() };
    facts.risk = RISKS.iter().filter(|r| (r.check)(&ctx)).map(|r| r.flag).collect::<Vec<_>>();
}

/// The origins of the distribution configuration in the request.
/// What the checks above read of each captured `distributionConfig` member, as shapes for the
/// capture spec (src/fields.rs): record objects send the core only these parts. A check that
/// reads more must say so here; `spec_tests` in fields.rs compare flags on the pruned records.
#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
pub(crate) fn shape(f: F) -> Option<&'static str> {
    Some(match f {
        F::DcRestrictions => r#"{"geoRestriction":{"restrictionType":1}}"#,
        F::DcLogging => r#"{"enabled":1}"#,
        F::DcOrigins => {
            r#"{"items":[{"customOriginConfig":{"originProtocolPolicy":1,"originSslProtocols":{"items":1}},"s3OriginConfig":{"originAccessIdentity":1},"originAccessControlId":1}]}"#
        }
        F::DcDefaultCacheBehavior => r#"{"viewerProtocolPolicy":1}"#,
        F::DcCacheBehaviors => r#"{"items":[{"viewerProtocolPolicy":1}]}"#,
        F::DcViewerCertificate => r#"{"minimumProtocolVersion":1}"#,
        _ => return None,
    })
}

/// One pass over each origin's members (a later duplicate member wins, as with JSON.parse).
fn origins(c: &Ctx<'_, '_>) -> Origins {
    let mut found = Origins::default();
    let items = c.f(F::DcOrigins).and_then(|o| last(o, "items"));
    for o in items.into_iter().flat_map(json::elements) {
        let (mut policy, mut ssl, mut oai, mut oac) = (None, None, None, None);
        for (k, v) in json::members(o) {
            if json::key_eq(k, "customOriginConfig") {
                (policy, ssl) = (None, None);
                for (k, v) in json::members(v) {
                    if json::key_eq(k, "originProtocolPolicy") {
                        policy = Some(v);
                    } else if json::key_eq(k, "originSslProtocols") {
                        ssl = Some(v);
                    }
                }
            } else if json::key_eq(k, "s3OriginConfig") {
                oai = None;
                for (k, v) in json::members(v) {
                    if json::key_eq(k, "originAccessIdentity") {
                        oai = Some(v);
                    }
                }
            } else if json::key_eq(k, "originAccessControlId") {
                oac = Some(v);
            }
        }
        found.http_only |= policy.and_then(json::as_str).as_deref() == Some("http-only");
        found.weak_tls |= ssl.and_then(|s| last(s, "items")).is_some_and(|items| {
            json::elements(items).any(|p| matches!(json::as_str(p).as_deref(), Some("SSLv3" | "TLSv1" | "TLSv1.1")))
        });
        let oai_empty = oai.is_some_and(|v| json::as_str(v).is_some_and(|s| s.is_empty()));
        let has_oac = oac.and_then(json::as_str).is_some_and(|s| !s.is_empty());
        found.s3_without_access_control |= oai_empty && !has_oac;
    }
    found
}

/// The last member named `key` (JSON.parse keeps the last of duplicates).
fn last<'a>(obj: &'a [u8], key: &str) -> Option<&'a [u8]> {
    json::members(obj).filter(|(k, _)| json::key_eq(k, key)).last().map(|(_, v)| v)
}

fn str_at(raw: &[u8], path: &[&str]) -> Option<alloc::string::String> {
    json::get(raw, path).and_then(json::as_str).map(|s| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::{action::ACTION, outcome::OUTCOME, provider::PROVIDER};

    fn flags(rec: &str) -> Vec<&'static str> {
        let fields = Fields::capture(rec.as_bytes());
        let mut facts = Facts::default();
        (ACTION.run)(&fields, &mut facts);
        (PROVIDER.run)(&fields, &mut facts);
        (OUTCOME.run)(&fields, &mut facts);
        run(&fields, &mut facts);
        facts.risk
    }

    fn cf(action: &str, req: &str) -> alloc::string::String {
        alloc::format!(r#"{{"eventSource":"cloudfront.amazonaws.com","eventName":"{action}","requestParameters":{req}}}"#)
    }

    #[test]
    fn risks_sorted_without_duplicates() {
        assert!(RISKS.windows(2).all(|w| w[0].flag < w[1].flag));
        assert!(RISKS.iter().all(|r| !r.reason.is_empty()));
    }

    #[test]
    fn risk_table() {
        let none: Vec<&str> = Vec::new();
        crate::table_test!(|s: alloc::string::String| flags(&s), [
            ("alias", cf("AssociateAlias", r#"{"targetDistributionId":"E1","alias":"www.example.com"}"#), alloc::vec!["alias_moved"]),
            ("disabled", cf("UpdateDistribution", r#"{"distributionConfig":{"enabled":false}}"#), alloc::vec!["distribution_disabled"]),
            ("publish", cf("PublishFunction", r#"{"name":"f"}"#), alloc::vec!["function_published"]),
            ("geo none on update", cf("UpdateDistribution", r#"{"distributionConfig":{"restrictions":{"geoRestriction":{"restrictionType":"none","quantity":0}}}}"#), alloc::vec!["geo_restriction_removed"]),
            ("geo none on create is the default, not a removal", cf("CreateDistribution", r#"{"distributionConfig":{"restrictions":{"geoRestriction":{"restrictionType":"none"}}}}"#), none.clone()),
            ("invalidate all", cf("CreateInvalidation", r#"{"distributionId":"E1","invalidationBatch":{"paths":{"quantity":1,"items":["/*"]}}}"#), alloc::vec!["invalidate_all"]),
            ("invalidate some", cf("CreateInvalidation", r#"{"distributionId":"E1","invalidationBatch":{"paths":{"quantity":1,"items":["/a/*"]}}}"#), none.clone()),
            ("no waf", cf("CreateDistribution", r#"{"distributionConfig":{"webACLId":""}}"#), alloc::vec!["no_waf"]),
            ("with tags wrapper", cf("CreateDistributionWithTags", r#"{"distributionConfigWithTags":{"distributionConfig":{"webACLId":"","logging":{"enabled":false}}}}"#), alloc::vec!["logging_disabled", "no_waf"]),
            ("origin weak tls", cf("UpdateDistribution", r#"{"distributionConfig":{"origins":{"items":[{"customOriginConfig":{"originProtocolPolicy":"https-only","originSslProtocols":{"quantity":2,"items":["TLSv1","TLSv1.2"]}}}]}}}"#), alloc::vec!["origin_weak_tls"]),
            ("s3 without oai", cf("CreateDistribution", r#"{"distributionConfig":{"origins":{"items":[{"s3OriginConfig":{"originAccessIdentity":""}}]}}}"#), alloc::vec!["s3_origin_without_access_control"]),
            ("s3 with oac", cf("CreateDistribution", r#"{"distributionConfig":{"origins":{"items":[{"s3OriginConfig":{"originAccessIdentity":""},"originAccessControlId":"OAC1"}]}}}"#), none.clone()),
            ("public key", cf("CreatePublicKey", r#"{"publicKeyConfig":{"name":"k"}}"#), alloc::vec!["signing_key_added"]),
            ("viewer http in a cache behavior", cf("UpdateDistribution", r#"{"distributionConfig":{"cacheBehaviors":{"items":[{"viewerProtocolPolicy":"https-only"},{"viewerProtocolPolicy":"allow-all"}]}}}"#), alloc::vec!["viewer_http_allowed"]),
            ("waf off", cf("DisassociateDistributionWebACL", r#"{"id":"E1"}"#), alloc::vec!["waf_disassociated"]),
            ("weak tls", cf("UpdateDistribution", r#"{"distributionConfig":{"viewerCertificate":{"minimumProtocolVersion":"TLSv1.1_2016"}}}"#), alloc::vec!["weak_tls"]),
            ("modern tls", cf("UpdateDistribution", r#"{"distributionConfig":{"viewerCertificate":{"minimumProtocolVersion":"TLSv1.2_2018"}}}"#), none.clone()),
            ("not cloudfront", alloc::string::String::from(r#"{"eventSource":"s3.amazonaws.com","eventName":"DeleteDistribution"}"#), none.clone()),
            ("odd types do not panic", cf("UpdateDistribution", r#"{"distributionConfig":{"origins":{"items":"x"},"logging":[],"cacheBehaviors":{"items":[1,null]}}}"#), none.clone()),
            ("no request", cf("DeleteDistribution", "null"), alloc::vec!["distribution_deleted"]),
            ("a denied call sets nothing", alloc::string::String::from(r#"{"eventSource":"cloudfront.amazonaws.com","eventName":"DeleteDistribution","errorCode":"AccessDenied"}"#), none.clone()),
        ]);
    }
}
