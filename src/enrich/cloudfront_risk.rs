//! `cloudfront.risk` and `cloudfront.risk_details`: flags for risky CloudFront configurations
//! and operations, each with its severity and the evidence that raised it.
//!
//! Every flag is one row of `RISKS`, and is one of two kinds:
//! - `state`: a property of the configuration the request sets (`logging.enabled: false`). A
//!   record carries only the new configuration, so a state flag says "this call sets X", never
//!   "X was removed": that is a change between two configurations, which needs the earlier one
//!   (change tracking is not done from one record).
//! - `change`: the call itself is the change (a successful DeleteDistribution deletes): the
//!   record proves it by its name and outcome.
//!
//! A check pushes its evidence (record paths and their values) and fires only when it found
//! some, so no flag is ever written without the keys that raised it.

use alloc::string::String;
use alloc::vec::Vec;

use super::{provider, Enricher, Example, Facts, Key, Outcome};
use crate::fields::{Fields, F};
use crate::json;

/// One raised flag: its table row's severity and kind, and the evidence: (record path as a flat
/// key with array elements by index, the value there as canonical JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RiskDetail {
    pub flag: &'static str,
    pub severity: &'static str,
    pub kind: &'static str,
    pub evidence: Vec<(String, String)>,
}

const LOW: &str = "low";
const MEDIUM: &str = "medium";
const HIGH: &str = "high";
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const SEVERITIES: &[&str] = &[LOW, MEDIUM, HIGH, "critical"];
const STATE: &str = "state";
const CHANGE: &str = "change";

/// What a check looks at.
struct Ctx<'r, 'a> {
    action: &'r str,
    /// The captured fields: the flattening pass already picked out the members of the
    /// distribution configuration these checks read (`F::Dc*`), so nothing is scanned again.
    fields: &'r Fields<'a>,
    /// The three origin checks share one pass over the origins (they can be long).
    origins: core::cell::OnceCell<Origins>,
    /// A salvaged record: its damaged stretches are `~damaged` members.
    salvaged: bool,
}

type Evidence = Vec<(String, String)>;

impl<'r, 'a> Ctx<'r, 'a> {
    fn f(&self, f: F) -> Option<&'a [u8]> {
        self.fields.raw(f)
    }

    fn origins(&self) -> &Origins {
        self.origins.get_or_init(|| origins(self))
    }

    /// The record path of distribution-configuration member `f`: under `distributionConfig`,
    /// or `distributionConfigWithTags.distributionConfig` when it was captured there.
    fn dc(&self, f: F, rest: &str) -> String {
        let inside = |outer: &[u8], inner: &[u8]| {
            let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
            i >= o && i + inner.len() <= o + outer.len()
        };
        let tagged = match (self.f(F::ReqDistConfigWithTags), self.f(f)) {
            (Some(outer), Some(inner)) => inside(outer, inner),
            _ => false,
        };
        let base = if tagged { "requestParameters.distributionConfigWithTags.distributionConfig." } else { "requestParameters.distributionConfig." };
        let mut key = String::with_capacity(base.len() + rest.len());
        key.push_str(base);
        key.push_str(rest);
        key
    }

    /// `eventName` as evidence of what the call did.
    fn event_name(&self, ev: &mut Evidence) {
        if let Some(v) = self.f(F::EventName) {
            push(ev, String::from("eventName"), v);
        }
    }

    /// `requestParameters.<key>` as evidence, when the request has it as a string.
    fn request(&self, key: &str, ev: &mut Evidence) {
        let req = self.f(F::RequestParameters).filter(|r| r.first() == Some(&b'{'));
        if let Some(v) = req.and_then(|r| last(r, key)).filter(|v| v.first() == Some(&b'"')) {
            push(ev, alloc::format!("requestParameters.{key}"), v);
        }
    }
}

/// `{"flag":..,"severity":..,"kind":..,"evidence":`: one flag's details up to its evidence, the
/// shape `cloudfront.risk_details` and change tracking's `flag_details` share.
pub(crate) fn write_flag_head(out: &mut Vec<u8>, flag: &str, severity: &str, kind: &str) {
    out.extend_from_slice(b"{\"flag\":");
    json::write_str(out, flag);
    out.extend_from_slice(b",\"severity\":");
    json::write_str(out, severity);
    out.extend_from_slice(b",\"kind\":");
    json::write_str(out, kind);
    out.extend_from_slice(b",\"evidence\":");
}

/// Writes `risks` as the `cloudfront.risk_details` array (every profile writes the same).
pub(crate) fn write_details(out: &mut Vec<u8>, risks: &[RiskDetail]) {
    out.push(b'[');
    for (n, r) in risks.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_flag_head(out, r.flag, r.severity, r.kind);
        out.push(b'[');
        for (m, (k, v)) in r.evidence.iter().enumerate() {
            if m > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"key\":");
            json::write_str(out, k);
            out.extend_from_slice(b",\"value\":");
            out.extend_from_slice(v.as_bytes());
            out.push(b'}');
        }
        out.extend_from_slice(b"]}");
    }
    out.push(b']');
}

/// Evidence values are canonical JSON text (strings decoded and re-escaped), so the same value
/// reads the same however the record escaped it.
fn push(ev: &mut Evidence, key: String, raw: &[u8]) {
    // A raw string without escapes is already canonical (the common case: no copy to decode).
    let plain = raw.len() >= 2 && raw[0] == b'"' && !raw.contains(&b'\\');
    let value = match json::as_str(raw).filter(|_| !plain) {
        Some(s) => {
            let mut out = Vec::with_capacity(s.len() + 2);
            json::write_str(&mut out, &s);
            String::from_utf8(out).unwrap_or_default()
        }
        None => String::from_utf8_lossy(raw).into_owned(),
    };
    ev.push((key, value));
}

/// What the origin checks find, over all of `distributionConfig.origins.items`.
#[derive(Default)]
struct Origins {
    /// Custom origins with originProtocolPolicy `http-only`.
    http_only: Evidence,
    /// Custom origins allowing SSLv3, TLSv1 or TLSv1.1.
    weak_tls: Evidence,
    /// S3 origins with an empty originAccessIdentity and no originAccessControlId.
    s3_without_access_control: Evidence,
}

#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Risk {
    pub flag: &'static str,
    /// low, medium, high or critical: how bad it is when it was not intended.
    pub severity: &'static str,
    /// `state` (the configuration the request sets) or `change` (what the call itself does).
    pub kind: &'static str,
    pub reason: &'static str,
    /// The record keys the evidence names (for docs/SCHEMA.md); `DC` stands for the request's
    /// `distributionConfig` (or `distributionConfigWithTags.distributionConfig`).
    pub evidence: &'static str,
    check: fn(&Ctx<'_, '_>, &mut Evidence),
}

/// Sorted by flag; the order flags are written in. Checked by a test.
pub(crate) const RISKS: &[Risk] = &[
    Risk {
        flag: "alias_moved",
        severity: HIGH,
        kind: CHANGE,
        reason: "AssociateAlias moves a domain name from another distribution to this one, which then serves all of that domain's traffic: an unexpected move is a takeover",
        evidence: "`eventName`, `requestParameters.alias`, `requestParameters.targetDistributionId`",
        check: |c, ev| {
            if c.action == "AssociateAlias" {
                c.event_name(ev);
                c.request("alias", ev);
                c.request("targetDistributionId", ev);
            }
        },
    },
    Risk {
        flag: "config_partly_unreadable",
        severity: MEDIUM,
        kind: STATE,
        reason: "the record was damaged and salvaged (`event.salvaged`): part of the request or response, where the configuration is, could not be read, so the checks of this table did not see it. A risky setting there is neither flagged nor ruled out: read the raw text (the evidence, and `event.original`)",
        evidence: "each damaged stretch inside `requestParameters` or `responseElements`: its key (`<path>.~0damaged`, `~0damaged2`...) and raw text",
        check: |c, ev| {
            if c.salvaged {
                for (name, f) in [("requestParameters", F::RequestParameters), ("responseElements", F::ResponseElements)] {
                    if let Some(v) = c.f(f) {
                        damaged(v, &mut String::from(name), ev, 0);
                    }
                }
            }
        },
    },
    Risk {
        flag: "distribution_deleted",
        severity: MEDIUM,
        kind: CHANGE,
        reason: "the site behind the distribution goes offline, and its domain names become free to attach elsewhere (dangling DNS records invite takeover)",
        evidence: "`eventName`, `requestParameters.id`",
        check: |c, ev| {
            if matches!(c.action, "DeleteDistribution" | "DeleteStreamingDistribution") {
                c.event_name(ev);
                c.request("id", ev);
            }
        },
    },
    Risk {
        flag: "distribution_disabled",
        severity: MEDIUM,
        kind: STATE,
        reason: "the configuration sets enabled=false: the distribution serves no traffic (an outage if unintended)",
        evidence: "`DC.enabled`",
        check: |c, ev| {
            if let Some(v) = c.f(F::DcEnabled).filter(|v| *v == b"false") {
                push(ev, c.dc(F::DcEnabled, "enabled"), v);
            }
        },
    },
    Risk {
        flag: "function_published",
        severity: MEDIUM,
        kind: CHANGE,
        reason: "PublishFunction puts code live on every viewer request of the distributions using the function: it can rewrite, redirect or leak traffic",
        evidence: "`eventName`, `requestParameters.name`",
        check: |c, ev| {
            if c.action == "PublishFunction" {
                c.event_name(ev);
                c.request("name", ev);
            }
        },
    },
    Risk {
        flag: "geo_restriction_none",
        severity: LOW,
        kind: STATE,
        reason: "the configuration sets geo restriction to `none`: content is served to every country (a concern only where licensing or sanctions require a restriction). Whether a restriction was removed needs the previous configuration",
        evidence: "`DC.restrictions.geoRestriction.restrictionType`",
        check: |c, ev| {
            if let Some(v) = c.f(F::DcRestrictions).and_then(|r| get_last(r, &["geoRestriction", "restrictionType"])) {
                if json::as_str(v).as_deref() == Some("none") {
                    push(ev, c.dc(F::DcRestrictions, "restrictions.geoRestriction.restrictionType"), v);
                }
            }
        },
    },
    Risk {
        flag: "invalidate_all",
        severity: LOW,
        kind: CHANGE,
        reason: "invalidating `/*` empties the cache everywhere: the origin takes the full load (a cheap denial-of-service lever) and the call can cost money",
        evidence: "`requestParameters.invalidationBatch.paths.items.<n>`",
        check: |c, ev| {
            if !c.action.starts_with("CreateInvalidation") {
                return;
            }
            let Some(items) = c.f(F::ReqInvalidationPaths) else { return };
            for (i, p) in json::elements(items).enumerate() {
                if matches!(json::as_str(p).as_deref(), Some("/*" | "*")) {
                    push(ev, alloc::format!("requestParameters.invalidationBatch.paths.items.{i}"), p);
                }
            }
        },
    },
    Risk {
        flag: "logging_disabled",
        severity: MEDIUM,
        kind: STATE,
        reason: "the configuration turns standard access logging off: requests to the distribution leave no trace for investigations",
        evidence: "`DC.logging.enabled`",
        check: |c, ev| {
            if let Some(v) = c.f(F::DcLogging).and_then(|l| get_last(l, &["enabled"])).filter(|v| *v == b"false") {
                push(ev, c.dc(F::DcLogging, "logging.enabled"), v);
            }
        },
    },
    Risk {
        flag: "no_waf",
        severity: LOW,
        kind: STATE,
        reason: "the configuration has an empty webACLId: no AWS WAF in front of the origin (no rate limiting, bot or injection filtering)",
        evidence: "`DC.webACLId`",
        check: |c, ev| {
            if let Some(v) = c.f(F::DcWebAclId).filter(|v| json::as_str(v).is_some_and(|s| s.is_empty())) {
                push(ev, c.dc(F::DcWebAclId, "webACLId"), v);
            }
        },
    },
    Risk {
        flag: "origin_http_only",
        severity: MEDIUM,
        kind: STATE,
        reason: "a custom origin with originProtocolPolicy http-only: traffic between CloudFront and the origin is unencrypted and can be read or altered",
        evidence: "`DC.origins.items.<n>.customOriginConfig.originProtocolPolicy`",
        check: |c, ev| ev.extend(c.origins().http_only.iter().cloned()),
    },
    Risk {
        flag: "origin_weak_tls",
        severity: MEDIUM,
        kind: STATE,
        reason: "a custom origin allows SSLv3, TLSv1 or TLSv1.1 (originSslProtocols): protocols with known attacks",
        evidence: "`DC.origins.items.<n>.customOriginConfig.originSslProtocols.items.<m>`",
        check: |c, ev| ev.extend(c.origins().weak_tls.iter().cloned()),
    },
    Risk {
        flag: "s3_origin_without_access_control",
        severity: HIGH,
        kind: STATE,
        reason: "an S3 origin with neither an origin access identity nor an origin access control: CloudFront reads the bucket anonymously, so it works only if the bucket is public, and viewers can bypass CloudFront",
        evidence: "`DC.origins.items.<n>.s3OriginConfig.originAccessIdentity` (and `originAccessControlId` when present but empty)",
        check: |c, ev| ev.extend(c.origins().s3_without_access_control.iter().cloned()),
    },
    Risk {
        flag: "signing_key_added",
        severity: MEDIUM,
        kind: CHANGE,
        reason: "CreatePublicKey adds a key that can sign URLs and cookies for private content once placed in a key group",
        evidence: "`eventName`",
        check: |c, ev| {
            if c.action == "CreatePublicKey" {
                c.event_name(ev);
            }
        },
    },
    Risk {
        flag: "viewer_http_allowed",
        severity: MEDIUM,
        kind: STATE,
        reason: "a cache behavior with viewerProtocolPolicy allow-all: viewers may use plain HTTP, so content and cookies travel unencrypted",
        evidence: "`DC.defaultCacheBehavior.viewerProtocolPolicy`, else the first `DC.cacheBehaviors.items.<n>.viewerProtocolPolicy` that is allow-all",
        check: |c, ev| {
            fn allow_all(b: &[u8]) -> Option<&[u8]> {
                last(b, "viewerProtocolPolicy").filter(|v| json::as_str(v).as_deref() == Some("allow-all"))
            }
            // One behavior proves the flag: the default one, else the first cache behavior that
            // allows HTTP (reading on through long behavior lists would cost every record).
            if let Some(v) = c.f(F::DcDefaultCacheBehavior).and_then(allow_all) {
                push(ev, c.dc(F::DcDefaultCacheBehavior, "defaultCacheBehavior.viewerProtocolPolicy"), v);
                return;
            }
            let items = c.f(F::DcCacheBehaviors).and_then(|cb| last(cb, "items"));
            let found = items.into_iter().flat_map(json::elements).enumerate().find_map(|(i, b)| allow_all(b).map(|v| (i, v)));
            if let Some((i, v)) = found {
                push(ev, c.dc(F::DcCacheBehaviors, &alloc::format!("cacheBehaviors.items.{i}.viewerProtocolPolicy")), v);
            }
        },
    },
    Risk {
        flag: "waf_disassociated",
        severity: HIGH,
        kind: CHANGE,
        reason: "removing the web ACL takes AWS WAF protection off the distribution",
        evidence: "`eventName`, `requestParameters.id`",
        check: |c, ev| {
            if matches!(c.action, "DisassociateDistributionWebACL" | "DisassociateDistributionTenantWebACL") {
                c.event_name(ev);
                c.request("id", ev);
            }
        },
    },
    Risk {
        flag: "weak_tls",
        severity: MEDIUM,
        kind: STATE,
        reason: "viewerCertificate.minimumProtocolVersion below TLSv1.2_2018 lets viewers negotiate TLS 1.0/1.1 (or SSLv3)",
        evidence: "`DC.viewerCertificate.minimumProtocolVersion`",
        check: |c, ev| {
            let v = c.f(F::DcViewerCertificate).and_then(|v| last(v, "minimumProtocolVersion"));
            if let Some(v) = v.filter(|v| matches!(json::as_str(v).as_deref(), Some("SSLv3" | "TLSv1" | "TLSv1_2016" | "TLSv1.1_2016"))) {
                push(ev, c.dc(F::DcViewerCertificate, "viewerCertificate.minimumProtocolVersion"), v);
            }
        },
    },
];

pub(crate) static CLOUDFRONT_RISK: Enricher = Enricher {
    name: "cloudfront_risk",
    summary: "Flags for risky CloudFront configurations and operations in the request, each with its severity and evidence (see the flag table below). A flag states what the record proves: a property of the configuration the request sets (`state`) or what the successful call itself does (`change`); none compares with an earlier configuration, which one record does not hold.",
    reads: &[F::RequestParameters, F::EventName, F::ReqDistConfigWithTags, F::ReqInvalidationPaths, F::DcEnabled, F::DcLogging, F::DcWebAclId, F::DcOrigins, F::DcDefaultCacheBehavior, F::DcCacheBehaviors, F::DcViewerCertificate, F::DcRestrictions],
    uses: &["event.action", "event.provider", "event.outcome"],
    writes: &[
        Key { name: "cloudfront.risk", meaning: "array of risk flags, in table order, for CloudFront calls that did not fail; absent when none applies" },
        Key {
            name: "cloudfront.risk_details",
            meaning: "one object per flag, in the same order: `flag`, `severity` (`low`/`medium`/`high`/`critical`, from the flag table), `kind` (`state` or `change`) and `evidence`, the record keys that raised it as `{\"key\": flat key (array elements by index, as `arrays: \"index\"` writes them), \"value\": the value there}`",
        },
    ],
    failures: &[],
    examples: &[
        Example {
            title: "an update with plain-HTTP viewers, an http-only origin and logging off",
            record: r#"{"eventSource":"cloudfront.amazonaws.com","eventName":"UpdateDistribution","requestParameters":{"id":"E1","distributionConfig":{"defaultCacheBehavior":{"viewerProtocolPolicy":"allow-all"},"origins":{"quantity":1,"items":[{"id":"o","customOriginConfig":{"originProtocolPolicy":"http-only"}}]},"logging":{"enabled":false},"enabled":true}}}"#,
            expect: &[
                ("cloudfront.risk", r#"["logging_disabled","origin_http_only","viewer_http_allowed"]"#),
                (
                    "cloudfront.risk_details",
                    r#"[{"flag":"logging_disabled","severity":"medium","kind":"state","evidence":[{"key":"requestParameters.distributionConfig.logging.enabled","value":false}]},{"flag":"origin_http_only","severity":"medium","kind":"state","evidence":[{"key":"requestParameters.distributionConfig.origins.items.0.customOriginConfig.originProtocolPolicy","value":"http-only"}]},{"flag":"viewer_http_allowed","severity":"medium","kind":"state","evidence":[{"key":"requestParameters.distributionConfig.defaultCacheBehavior.viewerProtocolPolicy","value":"allow-all"}]}]"#,
                ),
            ],
        },
        Example {
            title: "deleting a distribution: the call is the change",
            record: r#"{"eventSource":"cloudfront.amazonaws.com","eventName":"DeleteDistribution","requestParameters":{"id":"E1","ifMatch":"E2"}}"#,
            expect: &[
                ("cloudfront.risk", r#"["distribution_deleted"]"#),
                (
                    "cloudfront.risk_details",
                    r#"[{"flag":"distribution_deleted","severity":"medium","kind":"change","evidence":[{"key":"eventName","value":"DeleteDistribution"},{"key":"requestParameters.id","value":"E1"}]}]"#,
                ),
            ],
        },
        Example {
            title: "geo restriction `none` in an update is a state, not a removal",
            record: r#"{"eventSource":"cloudfront.amazonaws.com","eventName":"UpdateDistribution","requestParameters":{"id":"E1","distributionConfig":{"restrictions":{"geoRestriction":{"restrictionType":"none","quantity":0}},"webACLId":"arn:aws:wafv2:us-east-1:1:global/webacl/x/y"}}}"#,
            expect: &[("cloudfront.risk", r#"["geo_restriction_none"]"#)],
        },
        Example {
            title: "a safe configuration has no flags",
            record: r#"{"eventSource":"cloudfront.amazonaws.com","eventName":"CreateDistribution","requestParameters":{"distributionConfig":{"defaultCacheBehavior":{"viewerProtocolPolicy":"redirect-to-https"},"viewerCertificate":{"minimumProtocolVersion":"TLSv1.2_2021"},"webACLId":"arn:aws:wafv2:us-east-1:1:global/webacl/x/y","logging":{"enabled":true},"enabled":true}}}"#,
            expect: &[("cloudfront.risk", "null"), ("cloudfront.risk_details", "null")],
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
    let ctx = Ctx { action, fields, origins: core::cell::OnceCell::new(), salvaged: facts.salvaged };
    let mut out = Vec::new();
    for r in RISKS {
        let mut evidence = Vec::new();
        (r.check)(&ctx, &mut evidence);
        // No evidence, no flag.
        if !evidence.is_empty() {
            out.push(RiskDetail { flag: r.flag, severity: r.severity, kind: r.kind, evidence });
        }
    }
    facts.risk = out;
}

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
    for (i, o) in items.into_iter().flat_map(json::elements).enumerate() {
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
        let at = |rest: &str| c.dc(F::DcOrigins, &alloc::format!("origins.items.{i}.{rest}"));
        if let Some(p) = policy.filter(|p| json::as_str(p).as_deref() == Some("http-only")) {
            push(&mut found.http_only, at("customOriginConfig.originProtocolPolicy"), p);
        }
        for (j, p) in ssl.and_then(|s| last(s, "items")).into_iter().flat_map(json::elements).enumerate() {
            if matches!(json::as_str(p).as_deref(), Some("SSLv3" | "TLSv1" | "TLSv1.1")) {
                push(&mut found.weak_tls, at(&alloc::format!("customOriginConfig.originSslProtocols.items.{j}")), p);
            }
        }
        let oai = oai.filter(|v| json::as_str(v).is_some_and(|s| s.is_empty()));
        let has_oac = oac.and_then(json::as_str).is_some_and(|s| !s.is_empty());
        if let (Some(v), false) = (oai, has_oac) {
            push(&mut found.s3_without_access_control, at("s3OriginConfig.originAccessIdentity"), v);
            if let Some(v) = oac.filter(|v| v.first() == Some(&b'"')) {
                push(&mut found.s3_without_access_control, at("originAccessControlId"), v);
            }
        }
    }
    found
}

/// Pushes every damaged stretch salvage kept under `v` (a member named `~damaged`, `~damaged2`...
/// whose value is its raw text) as evidence, keyed by its flat key (`~` and `.` in keys escaped
/// as `~0` and `~1`, array elements by index). Salvaged records only, so never on the hot path.
#[cold]
fn damaged(v: &[u8], path: &mut String, ev: &mut Evidence, depth: usize) {
    // Salvage nests at most this deep too (src/salvage.rs); deeper values were kept whole.
    if depth > 128 {
        return;
    }
    let len = path.len();
    match v.first() {
        Some(b'{') => {
            for (k, x) in json::members(v) {
                let key = if k.contains(&b'\\') { json::unescape(k).unwrap_or_default() } else { String::from_utf8_lossy(k).into_owned() };
                path.push('.');
                for ch in key.chars() {
                    match ch {
                        '~' => path.push_str("~0"),
                        '.' => path.push_str("~1"),
                        c => path.push(c),
                    }
                }
                if key.starts_with(crate::salvage::DAMAGED_KEY) && x.first() == Some(&b'"') {
                    push(ev, path.clone(), x);
                } else {
                    damaged(x, path, ev, depth + 1);
                }
                path.truncate(len);
            }
        }
        Some(b'[') => {
            for (i, x) in json::elements(v).enumerate() {
                path.push('.');
                path.push_str(&alloc::format!("{i}"));
                damaged(x, path, ev, depth + 1);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// The last member named `key` (JSON.parse keeps the last of duplicates).
fn last<'a>(obj: &'a [u8], key: &str) -> Option<&'a [u8]> {
    let first = json::get(obj, &[key])?;
    // The first is the last unless the rest of the object holds the key's text again or an
    // escape (which could spell it): two fast byte searches instead of parsing the rest, which
    // can be long (cache behaviors, origins).
    let end = (first.as_ptr() as usize - obj.as_ptr() as usize) + first.len();
    let rest = obj.get(end..).unwrap_or_default();
    if rest.len() <= key.len() || (memchr::memchr(b'\\', rest).is_none() && !contains(rest, key.as_bytes())) {
        return Some(first);
    }
    json::members(obj).filter(|(k, _)| json::key_eq(k, key)).last().map(|(_, v)| v)
}

/// Whether `key` occurs in `hay`: candidates by its first byte (memchr), then compared; cheaper
/// than building a substring searcher for the few hundred bytes after a member.
fn contains(hay: &[u8], key: &[u8]) -> bool {
    let Some((&k0, tail)) = key.split_first() else { return true };
    memchr::memchr_iter(k0, hay).any(|i| hay[i + 1..].starts_with(tail))
}

/// `last` along a path.
fn get_last<'a>(mut v: &'a [u8], path: &[&str]) -> Option<&'a [u8]> {
    for key in path {
        v = last(v, key)?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::{action::ACTION, outcome::OUTCOME, provider::PROVIDER};

    fn details(rec: &str) -> Vec<RiskDetail> {
        details_of(rec, false)
    }

    fn details_of(rec: &str, salvaged: bool) -> Vec<RiskDetail> {
        let fields = Fields::capture(rec.as_bytes());
        let mut facts = Facts { salvaged, ..Facts::default() };
        (ACTION.run)(&fields, &mut facts);
        (PROVIDER.run)(&fields, &mut facts);
        (OUTCOME.run)(&fields, &mut facts);
        run(&fields, &mut facts);
        facts.risk
    }

    fn flags(rec: &str) -> Vec<&'static str> {
        details(rec).iter().map(|d| d.flag).collect()
    }

    fn cf(action: &str, req: &str) -> String {
        alloc::format!(r#"{{"eventSource":"cloudfront.amazonaws.com","eventName":"{action}","requestParameters":{req}}}"#)
    }

    #[test]
    fn risks_sorted_without_duplicates() {
        assert!(RISKS.windows(2).all(|w| w[0].flag < w[1].flag));
        assert!(RISKS.iter().all(|r| !r.reason.is_empty() && !r.evidence.is_empty()));
        assert!(RISKS.iter().all(|r| SEVERITIES.contains(&r.severity) && matches!(r.kind, STATE | CHANGE)));
        // No flag name claims a change it cannot see (`..._removed`, `..._changed`).
        assert!(RISKS.iter().all(|r| !r.flag.ends_with("_removed") && !r.flag.ends_with("_changed")));
    }

    #[test]
    fn risk_table() {
        let none: Vec<&str> = Vec::new();
        crate::table_test!(|s: String| flags(&s), [
            ("alias", cf("AssociateAlias", r#"{"targetDistributionId":"E1","alias":"www.example.com"}"#), alloc::vec!["alias_moved"]),
            ("disabled", cf("UpdateDistribution", r#"{"distributionConfig":{"enabled":false}}"#), alloc::vec!["distribution_disabled"]),
            ("publish", cf("PublishFunction", r#"{"name":"f"}"#), alloc::vec!["function_published"]),
            ("geo none on update is a state", cf("UpdateDistribution", r#"{"distributionConfig":{"restrictions":{"geoRestriction":{"restrictionType":"none","quantity":0}}}}"#), alloc::vec!["geo_restriction_none"]),
            ("geo none on create is the same state", cf("CreateDistribution", r#"{"distributionConfig":{"restrictions":{"geoRestriction":{"restrictionType":"none"}}}}"#), alloc::vec!["geo_restriction_none"]),
            ("geo allow list", cf("UpdateDistribution", r#"{"distributionConfig":{"restrictions":{"geoRestriction":{"restrictionType":"whitelist","quantity":1,"items":["DE"]}}}}"#), none.clone()),
            ("invalidate all", cf("CreateInvalidation", r#"{"distributionId":"E1","invalidationBatch":{"paths":{"quantity":1,"items":["/*"]}}}"#), alloc::vec!["invalidate_all"]),
            ("invalidate some", cf("CreateInvalidation", r#"{"distributionId":"E1","invalidationBatch":{"paths":{"quantity":1,"items":["/a/*"]}}}"#), none.clone()),
            ("no waf", cf("CreateDistribution", r#"{"distributionConfig":{"webACLId":""}}"#), alloc::vec!["no_waf"]),
            ("with tags wrapper", cf("CreateDistributionWithTags", r#"{"distributionConfigWithTags":{"distributionConfig":{"webACLId":"","logging":{"enabled":false}}}}"#), alloc::vec!["logging_disabled", "no_waf"]),
            ("origin weak tls", cf("UpdateDistribution", r#"{"distributionConfig":{"origins":{"items":[{"customOriginConfig":{"originProtocolPolicy":"https-only","originSslProtocols":{"quantity":2,"items":["TLSv1","TLSv1.2"]}}}]}}}"#), alloc::vec!["origin_weak_tls"]),
            ("s3 without oai", cf("CreateDistribution", r#"{"distributionConfig":{"origins":{"items":[{"s3OriginConfig":{"originAccessIdentity":""}}]}}}"#), alloc::vec!["s3_origin_without_access_control"]),
            ("s3 with oac", cf("CreateDistribution", r#"{"distributionConfig":{"origins":{"items":[{"s3OriginConfig":{"originAccessIdentity":""},"originAccessControlId":"OAC1"}]}}}"#), none.clone()),
            ("public key", cf("CreatePublicKey", r#"{"publicKeyConfig":{"name":"k"}}"#), alloc::vec!["signing_key_added"]),
            ("viewer http in a cache behavior", cf("UpdateDistribution", r#"{"distributionConfig":{"cacheBehaviors":{"items":[{"viewerProtocolPolicy":"https-only"},{"viewerProtocolPolicy":"allow-all"}]}}}"#), alloc::vec!["viewer_http_allowed"]),
            ("a later duplicate of a cache behavior's policy decides", cf("UpdateDistribution", r#"{"distributionConfig":{"cacheBehaviors":{"items":[{"viewerProtocolPolicy":"allow-all","viewerProtocolPolicy":"https-only"}]}}}"#), none.clone()),
            ("waf off", cf("DisassociateDistributionWebACL", r#"{"id":"E1"}"#), alloc::vec!["waf_disassociated"]),
            ("weak tls", cf("UpdateDistribution", r#"{"distributionConfig":{"viewerCertificate":{"minimumProtocolVersion":"TLSv1.1_2016"}}}"#), alloc::vec!["weak_tls"]),
            ("modern tls", cf("UpdateDistribution", r#"{"distributionConfig":{"viewerCertificate":{"minimumProtocolVersion":"TLSv1.2_2018"}}}"#), none.clone()),
            ("a later duplicate member decides, as JSON.parse", cf("UpdateDistribution", r#"{"distributionConfig":{"logging":{"enabled":false,"enabled":true},"viewerCertificate":{"minimumProtocolVersion":"TLSv1","minimumProtocolVersion":"TLSv1.2_2021"}}}"#), none.clone()),
            ("a later duplicate written with escapes decides too", cf("UpdateDistribution", r#"{"distributionConfig":{"defaultCacheBehavior":{"viewerProtocolPolicy":"allow-all","\u0076iewerProtocolPolicy":"https-only"}}}"#), none.clone()),
            ("a later plain duplicate decides", cf("UpdateDistribution", r#"{"distributionConfig":{"defaultCacheBehavior":{"viewerProtocolPolicy":"https-only","x":"viewerProtocolPolicy","viewerProtocolPolicy":"allow-all"}}}"#), alloc::vec!["viewer_http_allowed"]),
            ("not cloudfront", String::from(r#"{"eventSource":"s3.amazonaws.com","eventName":"DeleteDistribution"}"#), none.clone()),
            ("odd types do not panic", cf("UpdateDistribution", r#"{"distributionConfig":{"origins":{"items":"x"},"logging":[],"cacheBehaviors":{"items":[1,null]}}}"#), none.clone()),
            ("no request", cf("DeleteDistribution", "null"), alloc::vec!["distribution_deleted"]),
            ("a denied call sets nothing", String::from(r#"{"eventSource":"cloudfront.amazonaws.com","eventName":"DeleteDistribution","errorCode":"AccessDenied"}"#), none.clone()),
        ]);
    }

    /// Only a salvaged record's `~damaged` stretches count, wherever they are in the payloads
    /// (array elements by index, keys escaped as flat keys are).
    #[test]
    fn unreadable_configuration() {
        let rec = cf("UpdateDistribution", r#"{"id":"E1","distributionConfig":{"origins":{"items":[{"id":"a"},{"~damaged":"{ x"}]},"a.b":{"~damaged2":"y"},"logging":{"enabled":false}}}"#);
        assert_eq!(flags(&rec), ["logging_disabled"]);
        let got: Vec<_> = details_of(&rec, true).into_iter().map(|d| (d.flag, d.evidence)).collect();
        assert_eq!(got[0], ("config_partly_unreadable", alloc::vec![
            e("requestParameters.distributionConfig.origins.items.1.~0damaged", r#""{ x""#),
            e("requestParameters.distributionConfig.a~1b.~0damaged2", r#""y""#),
        ]));
        assert_eq!(got[1].0, "logging_disabled");
        // Damage in the response counts too; none anywhere, no flag.
        let resp = r#"{"eventSource":"cloudfront.amazonaws.com","eventName":"UpdateDistribution","responseElements":{"distribution":{"~damaged":"z"}}}"#;
        assert_eq!(details_of(resp, true)[0].evidence, alloc::vec![e("responseElements.distribution.~0damaged", r#""z""#)]);
        assert!(details_of(&cf("UpdateDistribution", r#"{"id":"E1"}"#), true).is_empty());
    }

    fn ev(rec: &str) -> Vec<(&'static str, Vec<(String, String)>)> {
        details(rec).into_iter().map(|d| (d.flag, d.evidence)).collect()
    }

    fn e(k: &str, v: &str) -> (String, String) {
        (String::from(k), String::from(v))
    }

    #[test]
    fn evidence_table() {
        crate::table_test!(|s: String| ev(&s), [
            ("with tags: the path goes through the wrapper", cf("CreateDistributionWithTags", r#"{"distributionConfigWithTags":{"tags":{},"distributionConfig":{"webACLId":""}}}"#),
                alloc::vec![("no_waf", alloc::vec![e("requestParameters.distributionConfigWithTags.distributionConfig.webACLId", r#""""#)])]),
            ("every weak protocol of every origin, by index", cf("UpdateDistribution", r#"{"distributionConfig":{"origins":{"items":[{"id":"a"},{"customOriginConfig":{"originSslProtocols":{"items":["TLSv1.2","SSLv3","TLSv1"]}}}]}}}"#),
                alloc::vec![("origin_weak_tls", alloc::vec![
                    e("requestParameters.distributionConfig.origins.items.1.customOriginConfig.originSslProtocols.items.1", r#""SSLv3""#),
                    e("requestParameters.distributionConfig.origins.items.1.customOriginConfig.originSslProtocols.items.2", r#""TLSv1""#),
                ])]),
            ("an empty OAC is evidence too", cf("CreateDistribution", r#"{"distributionConfig":{"origins":{"items":[{"s3OriginConfig":{"originAccessIdentity":""},"originAccessControlId":""}]}}}"#),
                alloc::vec![("s3_origin_without_access_control", alloc::vec![
                    e("requestParameters.distributionConfig.origins.items.0.s3OriginConfig.originAccessIdentity", r#""""#),
                    e("requestParameters.distributionConfig.origins.items.0.originAccessControlId", r#""""#),
                ])]),
            ("escaped values are written canonically", cf("UpdateDistribution", r#"{"distributionConfig":{"defaultCacheBehavior":{"viewerProtocolPolicy":"\u0061llow-all"}}}"#),
                alloc::vec![("viewer_http_allowed", alloc::vec![e("requestParameters.distributionConfig.defaultCacheBehavior.viewerProtocolPolicy", r#""allow-all""#)])]),
            ("the alias and its target", cf("AssociateAlias", r#"{"targetDistributionId":"E2","alias":"www.example.com"}"#),
                alloc::vec![("alias_moved", alloc::vec![e("eventName", r#""AssociateAlias""#), e("requestParameters.alias", r#""www.example.com""#), e("requestParameters.targetDistributionId", r#""E2""#)])]),
            ("the first cache behavior allowing HTTP", cf("UpdateDistribution", r#"{"distributionConfig":{"defaultCacheBehavior":{"viewerProtocolPolicy":"https-only"},"cacheBehaviors":{"items":[{"viewerProtocolPolicy":"https-only"},{"viewerProtocolPolicy":"allow-all"},{"viewerProtocolPolicy":"allow-all"}]}}}"#),
                alloc::vec![("viewer_http_allowed", alloc::vec![e("requestParameters.distributionConfig.cacheBehaviors.items.1.viewerProtocolPolicy", r#""allow-all""#)])]),
            ("the invalidation path by index", cf("CreateInvalidation", r#"{"invalidationBatch":{"paths":{"items":["/a","/*"]}}}"#),
                alloc::vec![("invalidate_all", alloc::vec![e("requestParameters.invalidationBatch.paths.items.1", r#""/*""#)])]),
        ]);
    }
}
