//! Tests over the enricher descriptors as a whole: every example holds through the real
//! `crate::transform`, docs/SCHEMA.md is what the descriptors say (regenerate with
//! `UPDATE_DOCS=1 cargo test --lib docs`, which refreshes every generated doc), and every key the flat profile writes is declared once.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

use super::{cloudfront_resources, cloudfront_risk, verb, Enricher, Facts, Key, Outcome, ENRICHERS, OPTIONAL, SHARED_KEYS};
use crate::options::Options;

/// Every enricher: those that always run, then those an option turns on.
fn all() -> impl Iterator<Item = &'static &'static Enricher> {
    ENRICHERS.iter().chain(OPTIONAL.iter())
}

#[test]
fn examples_hold_through_transform() {
    let mut failures = Vec::new();
    // The optional enrichers' options: `geoip` with the test databases (src/geoip.rs).
    let opts = Options { geoip: crate::geoip::writer::both(), ..Options::default() };
    for e in all() {
        assert!(!e.examples.is_empty(), "{} has no examples", e.name);
        for ex in e.examples {
            let out = match crate::transform(ex.record.as_bytes(), &opts) {
                Ok(o) => o,
                Err(err) => {
                    failures.push(format!("{} / {}: transform failed: {err}", e.name, ex.title));
                    continue;
                }
            };
            let doc: serde_json::Value = serde_json::from_str(&out).expect("transform writes JSON");
            for (key, want) in ex.expect {
                let want: serde_json::Value = serde_json::from_str(want).expect("example expectation is JSON");
                let got = doc.get(*key).cloned().unwrap_or(serde_json::Value::Null);
                if got != want {
                    failures.push(format!("{} / {}: {key}: expected {want}, got {got}", e.name, ex.title));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// docs/SCHEMA.md, generated from the descriptors.
fn schema_markdown() -> String {
    let mut s = String::new();
    s.push_str("# Enrichment schema (flat profile)\n\n");
    s.push_str("<!-- Generated from the enricher descriptors in src/enrich/*.rs by `UPDATE_DOCS=1 cargo test --lib docs`. Do not edit by hand. -->\n\n");
    s.push_str("Enrichment keys sit beside the record's own dotted keys (which are never changed). ");
    s.push_str("Enrichers run in the order below; a key is absent when its source is absent.\n\n");
    s.push_str("## Keys\n\n| key | meaning | enricher |\n|---|---|---|\n");
    let mut rows: Vec<(&str, &str, &str)> = Vec::new();
    for e in all() {
        rows.extend(e.writes.iter().map(|k| (k.name, k.meaning, e.name)));
    }
    rows.extend(SHARED_KEYS.iter().map(|k| (k.name, k.meaning, "(all)")));
    for (k, m, e) in rows {
        let _ = writeln!(s, "| `{k}` | {} | {e} |", cell(m));
    }
    for e in all() {
        let _ = write!(s, "\n## {}\n\n{}\n\n", e.name, e.summary);
        let reads: Vec<String> = e.reads.iter().map(|f| format!("`{}`", crate::fields::path(*f))).collect();
        let uses: Vec<String> = e.uses.iter().map(|k| format!("`{k}`")).collect();
        let uses = if uses.is_empty() { String::new() } else { format!("; from earlier enrichers, {}", uses.join(", ")) };
        let _ = writeln!(s, "Reads: {}{uses}.\n", reads.join(", "));
        s.push_str("| writes | meaning |\n|---|---|\n");
        for k in e.writes {
            let _ = writeln!(s, "| `{}` | {} |", k.name, cell(k.meaning));
        }
        if !e.failures.is_empty() {
            s.push_str("\nFailures:\n\n");
            for f in e.failures {
                let _ = writeln!(s, "- {f}");
            }
        }
        s.push_str("\nExamples:\n");
        for ex in e.examples {
            let _ = write!(s, "\n- {}\n\n  ```json\n  {}\n  ```\n\n", ex.title, ex.record);
            for (k, v) in ex.expect {
                if *v == "null" {
                    let _ = writeln!(s, "  - `{k}` absent");
                } else {
                    let _ = writeln!(s, "  - `{k}`: `{v}`");
                }
            }
        }
    }
    s.push_str("\n## Verb table (`verb`)\n\n| leading verb | event.type | OCSF activity_id | read-only when readOnly is absent |\n|---|---|---|---|\n");
    for v in verb::VERBS {
        let ro = v.read_only.map_or("(not derived)".to_string(), |b| b.to_string());
        let _ = writeln!(s, "| {} | {} | {} | {} |", v.verb, v.event_type.join(", "), v.activity_id, ro);
    }
    s.push_str("\n## CloudFront risk flags (`cloudfront_risk`)\n\n");
    s.push_str("Kind `state`: a property of the configuration the request sets (the record holds only the new configuration). ");
    s.push_str("Kind `change`: what the successful call itself does. No flag compares with an earlier configuration. ");
    s.push_str("`cloudfront.risk_details` names the evidence keys below with their values; `DC` is `requestParameters.distributionConfig` ");
    s.push_str("(or `requestParameters.distributionConfigWithTags.distributionConfig`), `<n>` an array index.\n\n");
    s.push_str("| flag | severity | kind | evidence keys | why it matters |\n|---|---|---|---|---|\n");
    for r in cloudfront_risk::RISKS {
        let _ = writeln!(s, "| `{}` | {} | {} | {} | {} |", r.flag, r.severity, r.kind, cell(r.evidence), cell(r.reason));
    }
    s.push_str(crate::track::DOC);
    s.push_str("\n| key | meaning |\n|---|---|\n");
    for k in crate::track::KEYS {
        let _ = writeln!(s, "| `{}` | {} |", k.name, cell(k.meaning));
    }
    s.push_str("\nTracked resource types, with the configuration object compared (`<config>` is the member named here):\n\n| resource_type | configuration | id from |\n|---|---|---|\n");
    for (rtype, config, id_key) in crate::track::kinds() {
        let _ = writeln!(s, "| `{rtype}` | `{config}` | `{id_key}` |");
    }
    s.push_str("\n### Change flags (distributions)\n\nEvidence keys are relative to the distribution configuration; `<n>` is an array index.\n\n| flag | severity | evidence keys | why it matters |\n|---|---|---|---|\n");
    for r in crate::track::flags::FLAGS {
        let _ = writeln!(s, "| `{}` | {} | {} | {} |", r.flag, r.severity, cell(r.evidence), cell(r.reason));
    }
    s
}

/// Markdown table cells cannot hold a bare `|`.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

#[test]
fn schema_md_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/SCHEMA.md");
    let want = schema_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().expect("docs dir")).expect("create docs/");
        std::fs::write(&path, &want).expect("write docs/SCHEMA.md");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(have == want, "docs/SCHEMA.md is stale: run `UPDATE_DOCS=1 cargo test --lib docs` and commit it");
}

/// Facts with every field set, so `write_facts` writes every key it can.
fn full_facts() -> Facts<'static> {
    use alloc::borrow::Cow::Borrowed as B;
    Facts {
        timestamp: Some("t".into()),
        epoch_ms: Some(1),
        action: Some(B("a")),
        api_version: Some("v".into()),
        provider: Some(B("p")),
        provider_inferred: true,
        call: None,
        account_id: Some(B("1")),
        region: Some(B("r")),
        service: Some(B("s")),
        outcome: Some(Outcome::Failure),
        error_code: Some(B("c")),
        error_message: Some(B("m")),
        verb: Some("Get"),
        event_type: &["access"],
        event_category: &["api"],
        activity_id: 2,
        read_only: Some(true),
        user_name: Some(B("u")),
        user_id: Some(B("i")),
        user_email: Some(B("a@example.com")),
        role_name: Some(B("r")),
        identity_type: Some(B("IAMUser")),
        access_key_type: Some("long_term"),
        mfa_authenticated: Some(true),
        console_session: Some(true),
        session_created: Some("t".into()),
        source_address: Some(B("1.2.3.4")),
        source_ip: Some(B("1.2.3.4")),
        geo: Some(alloc::boxed::Box::new(crate::geoip::Geo {
            continent_code: Some("EU".into()),
            continent_name: Some("Europe".into()),
            country_iso_code: Some("GB".into()),
            country_name: Some("United Kingdom".into()),
            region_iso_code: Some("GB-ENG".into()),
            subdivision_code: Some("ENG".into()),
            region_name: Some("England".into()),
            city_name: Some("London".into()),
            postal_code: Some("EC2V".into()),
            timezone: Some("Europe/London".into()),
            location: Some((51.5, -0.1)),
            as_number: Some(1),
            as_organization: Some("o".into()),
        })),
        ua_original: Some(B("x")),
        ua_name: Some("x".into()),
        ua_version: Some("1".into()),
        ua_os_name: Some("Windows"),
        ua_os_version: Some("10".into()),
        ua_os_full: Some("Windows 10".into()),
        ua_device: Some("Mac".into()),
        cloudfront: cloudfront_resources::all_keys().into_iter().map(|k| (k, String::from("x"))).collect(),
        invalidation_paths: alloc::vec!["/*".into()],
        risk: alloc::vec![super::RiskDetail { flag: "no_waf", severity: "low", kind: "state", evidence: alloc::vec![("k".into(), "\"\"".into())] }],
        insight_event_name: Some(B("n")),
        insight_event_source: Some(B("s")),
        insight_type: Some(B("t")),
        insight_state: Some(B("Start")),
        errors: alloc::vec!["e".into()],
        not_cloudtrail: false,
        salvaged: true,
        change: Some(crate::track::Change {
            resource_type: "distribution",
            resource_id: "E1".into(),
            state: crate::track::State::Changed,
            previous: Some(crate::track::Previous { event_id: Some("i".into()), event_time: Some("t".into()), event_name: Some("n".into()) }),
            // One more than the diff holds: `diff_truncated` is written too.
            changes: alloc::vec![crate::track::config::Diff { key: "enabled".into(), before: Some("true".into()), after: Some("false".into()) }; crate::track::MAX_DIFF + 1],
            flags: alloc::vec![crate::track::flags::Flag { flag: "distribution_disabled", severity: "medium", evidence: alloc::vec![] }],
        }),
    }
}

#[test]
fn every_written_key_is_declared_exactly_once() {
    let mut out = alloc::vec![b'{'];
    {
        let mut w = crate::profiles::ObjWriter { out: &mut out, first: true };
        crate::profiles::flat::write_facts(&mut w, &full_facts());
    }
    out.push(b'}');
    let mut doc: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&out).expect("write_facts writes a JSON object");
    // What an object that is not CloudTrail gets instead.
    let mut other = alloc::vec![b'{'];
    {
        let mut w = crate::profiles::ObjWriter { out: &mut other, first: true };
        let fields = crate::fields::Fields::capture(br#"{"hello":"world"}"#);
        crate::profiles::flat::write_facts(&mut w, &super::enrich(&fields));
    }
    other.push(b'}');
    let other: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&other).expect("JSON object");
    assert_eq!(other.keys().map(String::as_str).collect::<Vec<_>>(), ["event.kind", "error.type", "error.message"]);
    doc.extend(other);
    let mut declared: BTreeMap<&str, usize> = BTreeMap::new();
    let all: Vec<&Key> = all().flat_map(|e| e.writes.iter()).chain(SHARED_KEYS.iter()).chain(crate::track::KEYS.iter()).collect();
    for k in &all {
        *declared.entry(k.name).or_default() += 1;
        assert!(!k.meaning.is_empty(), "{} has no meaning", k.name);
        // ObjWriter copies keys without escaping.
        assert!(crate::profiles::plain_key(k.name), "{} needs escaping", k.name);
    }
    let twice: Vec<_> = declared.iter().filter(|(_, n)| **n > 1).map(|(k, _)| *k).collect();
    assert!(twice.is_empty(), "declared by more than one descriptor: {twice:?}");
    let undeclared: Vec<_> = doc.keys().filter(|k| !declared.contains_key(k.as_str())).collect();
    assert!(undeclared.is_empty(), "written but declared by no descriptor: {undeclared:?}");
    let unwritten: Vec<_> = declared.keys().filter(|k| !doc.contains_key(**k)).collect();
    assert!(unwritten.is_empty(), "declared but never written: {unwritten:?}");
}

#[test]
fn enricher_names_unique() {
    let mut names: Vec<&str> = all().map(|e| e.name).collect();
    names.sort_unstable();
    let n = names.len();
    names.dedup();
    assert_eq!(n, names.len());
}

/// Every record the repo's enrich fixtures and the sample hold, and every documented example.
fn fixture_records() -> Vec<String> {
    let mut out: Vec<String> = ENRICHERS.iter().flat_map(|e| e.examples.iter().map(|x| String::from(x.record))).collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir.join("tests/fixtures/enrich")).expect("fixtures").map(|e| e.expect("entry").path()).collect();
    files.push(dir.join("examples/cloudfront-sample.json"));
    for path in files {
        let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("fixture JSON");
        for r in doc["Records"].as_array().expect("Records") {
            out.push(serde_json::to_string(r).expect("record"));
        }
    }
    assert!(out.len() > 40, "{} records", out.len());
    out
}

/// A descriptor's `reads` is what the capture spec is built from (`enrich::reads`), so it must
/// name every field its enricher reads: each enricher, given the facts the earlier ones decided
/// from the whole record, decides the same with every field it does not list blanked, and with
/// any one of them blanked or changed.
#[test]
fn each_enricher_reads_only_the_fields_it_lists() {
    use crate::fields::{Fields, TRIE};
    let odd: [&[u8]; 5] = [b"\"x\"", b"\"\"", b"{}", b"[\"/*\"]", b"true"];
    let mut all: Vec<crate::fields::F> = TRIE.iter().filter_map(|e| e.2).collect();
    all.dedup_by_key(|f| *f as usize);
    let mut failures = Vec::new();
    let records = fixture_records();
    for rec in &records {
        let mut fields = Fields::default();
        fields.capture_checked(rec.as_bytes(), 0).expect("fixture records are JSON objects");
        if !super::is_cloudtrail(&fields) {
            continue;
        }
        for (i, e) in ENRICHERS.iter().enumerate() {
            let mut variants = alloc::vec![(String::from("every unlisted field blanked"), fields.only(e.reads))];
            for f in all.iter().filter(|f| !e.reads.contains(f)) {
                for alt in odd.iter().map(|v| Some(*v)).chain([None]) {
                    variants.push((format!("{f:?} = {:?}", alt.map(String::from_utf8_lossy)), fields.replaced(*f, alt)));
                }
            }
            let mut whole = Facts::default();
            for x in &ENRICHERS[..=i] {
                (x.run)(&fields, &mut whole);
            }
            let want = format!("{whole:?}");
            for (what, g) in &variants {
                let mut facts = Facts::default();
                for x in &ENRICHERS[..i] {
                    (x.run)(&fields, &mut facts);
                }
                (e.run)(g, &mut facts);
                let got = format!("{facts:?}");
                if got != want {
                    failures.push(format!("{} reads a field its descriptor does not list: {what} changes its facts for {rec}", e.name));
                    break;
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// `uses` names facts decided earlier: each is a key an enricher before it writes.
#[test]
fn uses_names_keys_written_earlier() {
    for (i, e) in ENRICHERS.iter().enumerate() {
        for k in e.uses {
            let earlier = ENRICHERS[..i].iter().any(|x| x.writes.iter().any(|w| w.name == *k));
            assert!(earlier, "{} uses {k}, which no earlier enricher writes", e.name);
        }
    }
}

pub(crate) mod no_panic {
    //! Every field value is attacker-controlled: records built from the keys enrichment reads,
    //! with arbitrary values (strings of any characters, numbers, nested junk) must enrich
    //! without a panic and produce JSON.
    use alloc::string::String;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    fn scalar() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>().prop_map(|s| serde_json::to_string(&s).expect("string")),
            "[A-Za-z0-9_.:/ ,*-]{0,40}".prop_map(|s| serde_json::to_string(&s).expect("string")),
            Just(String::from("null")),
            Just(String::from("true")),
            any::<i64>().prop_map(|n| n.to_string()),
            Just(String::from("[]")),
            Just(String::from(r#"{"items":[1,"x",{}]}"#)),
        ]
    }

    /// A JSON object over `keys`, values from `leaf`, nested a few levels.
    fn object(keys: &'static [&'static str], depth: u32) -> BoxedStrategy<String> {
        let leaf = scalar().boxed();
        let value = if depth == 0 { leaf } else { prop_oneof![3 => leaf, 1 => object(keys, depth - 1)].boxed() };
        proptest::collection::vec((proptest::sample::select(keys), value), 0..8)
            .prop_map(|members| {
                let body: Vec<String> = members.iter().map(|(k, v)| alloc::format!("{}:{v}", serde_json::to_string(k).expect("key"))).collect();
                alloc::format!("{{{}}}", body.join(","))
            })
            .boxed()
    }

    const KEYS: &[&str] = &[
        "eventVersion", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent",
        "errorCode", "errorMessage", "requestParameters", "responseElements", "readOnly", "eventType", "apiVersion",
        "recipientAccountId", "userIdentity", "sessionCredentialFromConsole", "insightDetails", "additionalEventData",
        "type", "principalId", "arn", "accountId", "accessKeyId", "userName", "invokedBy", "onBehalfOf", "userId",
        "sessionContext", "attributes", "mfaAuthenticated", "creationDate", "sessionIssuer", "ConsoleLogin", "MFAUsed",
        "id", "name", "distributionId", "resource", "distributionConfig", "origins", "items", "customOriginConfig",
        "originProtocolPolicy", "invalidationBatch", "paths", "distribution", "aRN", "lastModifiedTime", "logging",
        "enabled", "webACLId", "viewerCertificate", "minimumProtocolVersion", "defaultCacheBehavior",
    ];

    /// eventName/eventSource values that steer into the CloudFront enrichers.
    pub(crate) fn record() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            proptest::sample::select(crate::enrich::provider::CLOUDFRONT_ACTIONS).prop_map(String::from),
            "[A-Z][a-z]{1,6}[A-Z][A-Za-z]{0,10}(20[0-9]{2}_[0-9]{2}_[0-9]{2}|20[0-9]{6}(v[0-9])?)?",
            any::<String>(),
        ];
        let source = prop_oneof![Just("cloudfront.amazonaws.com"), Just("edgekeyvaluestore.amazonaws.com"), Just("")];
        (object(KEYS, 3), name, source).prop_map(|(obj, name, source)| {
            let extra = alloc::format!(
                r#""eventName":{},"eventSource":{}"#,
                serde_json::to_string(&name).expect("name"),
                serde_json::to_string(source).expect("source")
            );
            // Put the steering members first; later duplicates in `obj` win, as in JSON.parse.
            if obj == "{}" {
                alloc::format!("{{{extra}}}")
            } else {
                alloc::format!("{{{extra},{}", &obj[1..])
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, .. ProptestConfig::default() })]
        #[test]
        fn enrichment_never_panics(rec in record()) {
            let out = crate::transform(rec.as_bytes(), &crate::options::Options::default());
            let out = out.map_err(|e| alloc::format!("{e}: {rec}"));
            prop_assert!(out.is_ok(), "{:?}", out);
            let doc: Result<serde_json::Value, _> = serde_json::from_str(&out.unwrap_or_default());
            prop_assert!(doc.is_ok());
        }
    }
}
