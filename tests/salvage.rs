//! Salvage (issue 15, docs/INPUTS.md "Salvage"): a damaged record keeps what can be read.
//!
//! The acceptance case is the CloudFront guide's own example (../shared/samples/seed, skipped
//! with a note when absent) and tests/fixtures/salvage/two-damages.json, which reproduces its two
//! damages (a `{ ... response omitted }` placeholder and a lost `"items": [{`) in a record of
//! the documented format, so the same checks run without ../shared.
#![cfg(not(target_arch = "wasm32"))] // native suite; the wasm one is tests/wasm.rs

use std::path::Path;

use cloudfront_trail::{salvage, transform, transform_log, unflatten, ErrorKind, Options, Profile};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Salvage is opt-in (`salvage: true`); the default keeps the error entry.
fn salv() -> Options {
    Options { salvage: true, ..Options::default() }
}

fn obj(text: &str) -> Map<String, Value> {
    serde_json::from_str(text).expect("a JSON object")
}

/// The one salvaged record of a log, checked as the issue asks.
fn check_salvaged_log(raw: &[u8], records: usize, action: &str, user: &str, ts: &str, dist: &str) -> Map<String, Value> {
    let log = transform_log(raw, &salv()).unwrap();
    assert_eq!((log.records.len(), log.errors.len()), (records, 0), "{:?}", log.errors);
    // By default (salvage off) the damaged record is an error entry, as before.
    let plain = transform_log(raw, &Options::default()).unwrap();
    assert_eq!((plain.records.len(), plain.errors.len()), (records - 1, 1));
    let salvaged: Vec<_> = log.records.iter().map(|r| obj(r)).filter(|r| r.contains_key("event.salvaged")).collect();
    assert_eq!(salvaged.len(), 1);
    let r = salvaged.into_iter().next().unwrap();
    assert_eq!(r["event.salvaged"], json!(true));
    assert_eq!(r.get("event.salvage.truncated"), None);
    assert_eq!(r["event.action"], json!(action));
    assert_eq!(r["user.name"], json!(user));
    assert_eq!(r["@timestamp"], json!(ts));
    assert_eq!(r["cloudfront.distribution.id"], json!(dist));
    // The whole raw text, and nothing of it lost: the record's text is in the log.
    let original = r["event.original"].as_str().unwrap();
    assert!(original.starts_with('{') && original.contains("response omitted"));
    assert!(String::from_utf8_lossy(raw).contains(original));
    // The two damaged stretches, as raw text, at their paths.
    let cache = r["requestParameters.distributionConfig.cacheBehaviors.~0damaged"].as_str().unwrap();
    assert!(cache.starts_with('{') && cache.contains("}], \"quantity\": 1") && cache.ends_with('}'), "{cache}");
    assert_eq!(&original[offset_of(&r, 0)..][..cache.len()], cache);
    let omitted = r["responseElements.distribution.distributionConfig.~0damaged"].as_str().unwrap();
    assert_eq!(omitted, "distributionConfig response omitted");
    assert_eq!(&original[offset_of(&r, 1)..][..omitted.len()], omitted);
    let damages = r["event.salvage.damages"].as_array().unwrap();
    let paths: Vec<_> = damages.iter().map(|d| d["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["requestParameters.distributionConfig.cacheBehaviors", "responseElements.distribution.distributionConfig"]);
    assert!(damages.iter().all(|d| !d["message"].as_str().unwrap().is_empty()));
    // What follows the damage is back at its place, not shifted a level up.
    assert!(r.contains_key("requestParameters.distributionConfig.enabled"));
    assert_eq!(r["responseElements.distribution.id"], json!(dist));
    r
}

fn offset_of(r: &Map<String, Value>, i: usize) -> usize {
    r["event.salvage.damages"][i]["offset"].as_u64().unwrap() as usize
}

#[test]
fn seed_as_published_gives_five_records() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/seed/cloudfront-doc-example.raw.txt");
    let Ok(raw) = std::fs::read(&path) else {
        eprintln!("note: {} not found; seed salvage test skipped (nothing checked)", path.display());
        return;
    };
    let r = check_salvaged_log(&raw, 5, "UpdateDistribution", "smithj", "2014-05-06T18:00:32Z", "EDFDVBD6EXAMPLE");
    // The intact origins and default cache behavior.
    let origins = r["requestParameters.distributionConfig.origins.items"].as_array().unwrap();
    assert_eq!(origins.len(), 2);
    assert_eq!(origins[1]["id"], json!("Images"));
    assert_eq!(r["requestParameters.distributionConfig.defaultCacheBehavior.targetOriginId"], json!("Images"));
    assert_eq!(r["requestParameters.distributionConfig.defaultCacheBehavior.viewerProtocolPolicy"], json!("redirect-to-https"));
    assert_eq!(r["requestParameters.distributionConfig.priceClass"], json!("PriceClass_All"));
}

#[test]
fn fixture_with_the_same_two_damages() {
    let raw = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/salvage/two-damages.json")).unwrap();
    let r = check_salvaged_log(&raw, 2, "UpdateDistribution", "alice", "2024-02-10T09:15:00Z", "E2FIXTUREEXAMPLE");
    let origins = r["requestParameters.distributionConfig.origins.items"].as_array().unwrap();
    assert_eq!(origins[0]["domainName"], json!("site.example.com"));
    assert_eq!(r["requestParameters.distributionConfig.defaultCacheBehavior.targetOriginId"], json!("site"));
    assert_eq!(r["requestParameters.distributionConfig.comment"], json!("API behavior added"));
    assert_eq!(r["recipientAccountId"], json!("444455556666"));

    // Off: the record is an error entry with its raw text, as before.
    let off = transform_log(&raw, &Options::default()).unwrap();
    assert_eq!((off.records.len(), off.errors.len()), (1, 1));
    assert_eq!(off.errors[0].original, r["event.original"].as_str().unwrap());
    // `strict` keeps its meaning: it stops at the damaged record.
    let strict = transform_log(&raw, &Options { strict: true, ..salv() }).unwrap_err();
    assert_eq!(strict.kind(), ErrorKind::Syntax);
}

fn fixture() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/salvage/two-damages.json")).unwrap()
}

/// The salvaged record of the fixture in `profile` (nested documents), with the number of records.
fn salvaged_doc(profile: Profile, enrich: bool, is_salvaged: impl Fn(&Value) -> bool) -> Value {
    let log = transform_log(&fixture(), &Options { profile, enrich, ..salv() }).unwrap();
    assert_eq!((log.records.len(), log.errors.len()), (2, 0), "{profile:?} enrich {enrich}: {:?}", log.errors);
    let docs: Vec<Value> = log.records.iter().map(|r| serde_json::from_str(r).unwrap()).collect();
    let marked: Vec<_> = docs.into_iter().filter(|d| is_salvaged(d)).collect();
    assert_eq!(marked.len(), 1, "{profile:?}: one salvaged record");
    marked.into_iter().next().unwrap()
}

fn damage_paths(damages: &Value) -> Vec<&str> {
    damages.as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap()).collect()
}

const PATHS: [&str; 2] = ["requestParameters.distributionConfig.cacheBehaviors", "responseElements.distribution.distributionConfig"];

/// ECS (issue 15, item 1): the salvaged record is mapped like any other; its marks are
/// `event.original`, `tags: ["salvaged"]` and `aws.cloudtrail.salvage*` (docs/INPUTS.md).
#[test]
fn ecs_maps_the_salvaged_record() {
    let original = String::from_utf8(fixture()).unwrap();
    for enrich in [true, false] {
        let d = salvaged_doc(Profile::Ecs, enrich, |d| d["aws"]["cloudtrail"]["salvaged"] == json!(true));
        assert_eq!(d["tags"], json!(["salvaged"]));
        assert_eq!(damage_paths(&d["aws"]["cloudtrail"]["salvage"]["damages"]), PATHS);
        assert_eq!(d["aws"]["cloudtrail"]["salvage"].get("truncated"), None);
        let raw = d["event"]["original"].as_str().unwrap();
        assert!(raw.contains("response omitted") && original.contains(raw));
        assert_eq!(d["user"]["name"], json!("alice"));
        assert_eq!(d["@timestamp"], json!("2024-02-10T09:15:00Z"));
        // The intact parts of the payload, and the damaged stretch at its place.
        let req = &d["aws"]["cloudtrail"]["flattened"]["request_parameters"];
        assert_eq!(req["distributionConfig"]["comment"], json!("API behavior added"));
        assert!(req["distributionConfig"]["cacheBehaviors"]["~damaged"].as_str().unwrap().contains("/api/*"));
        if enrich {
            assert_eq!(d["event"]["action"], json!("UpdateDistribution"));
            assert_eq!(d["aws"]["cloudfront"]["distribution"]["id"], json!("E2FIXTUREEXAMPLE"));
            assert!(d["aws"]["cloudfront"]["risk"].as_array().unwrap().contains(&json!("config_partly_unreadable")));
        }
    }
}

/// OCSF (issue 15, item 1): an API Activity event; its marks are `raw_data`, the label
/// `salvaged` in `metadata.labels` and a `salvage` enrichment holding the damages.
#[test]
fn ocsf_maps_the_salvaged_record() {
    for enrich in [true, false] {
        let d = salvaged_doc(Profile::Ocsf, enrich, |d| d["metadata"]["labels"] == json!(["salvaged"]));
        assert_eq!(d["class_uid"], json!(6003));
        assert_eq!(d["actor"]["user"]["name"], json!("alice"));
        assert!(d["raw_data"].as_str().unwrap().contains("response omitted"));
        let enrichments = d["enrichments"].as_array().unwrap();
        let salv = enrichments.iter().find(|e| e["type"] == json!("salvage")).expect("a salvage enrichment");
        assert_eq!(damage_paths(&salv["data"]["damages"]), PATHS);
        assert_eq!(salv["data"]["truncated"], json!(false));
        assert!(d["api"]["request"]["data"]["distributionConfig"]["cacheBehaviors"]["~damaged"].is_string());
        let risk = enrichments.iter().find(|e| e["type"] == json!("cloudfront.risk"));
        if enrich {
            assert_eq!(d["api"]["operation"], json!("UpdateDistribution"));
            assert!(risk.unwrap()["data"]["risk"].as_array().unwrap().contains(&json!("config_partly_unreadable")));
        } else {
            assert!(risk.is_none());
        }
    }
    // A truncated record says so in the enrichment's data.
    let cut = br#"{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","eventSource":"cloudfront.amazonaws.com","eventName":"DeleteDistribution2020_05_31","userIdentity":{"type":"IAMUser","userName":"bob","accountId":"1"},"requestParameters":{"id":"E1","ifMa"#;
    let d: Value = serde_json::from_str(&transform(cut, &Options { profile: Profile::Ocsf, ..salv() }).unwrap()).unwrap();
    assert_eq!(d["enrichments"].as_array().unwrap().iter().find(|e| e["type"] == json!("salvage")).unwrap()["data"]["truncated"], json!(true));
}

/// Risk checks say what they could not see (issue 15): the damaged configuration is flagged
/// `config_partly_unreadable`, its damaged stretches (key and raw text) the evidence.
#[test]
fn risk_checks_flag_what_they_could_not_read() {
    let log = transform_log(&fixture(), &salv()).unwrap();
    let r = log.records.iter().map(|r| obj(r)).find(|r| r.contains_key("event.salvaged")).unwrap();
    let details = r["cloudfront.risk_details"].as_array().unwrap();
    let d = details.iter().find(|d| d["flag"] == json!("config_partly_unreadable")).expect("the flag");
    assert_eq!(d["severity"], json!("medium"));
    let keys: Vec<_> = d["evidence"].as_array().unwrap().iter().map(|e| e["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["requestParameters.distributionConfig.cacheBehaviors.~0damaged", "responseElements.distribution.distributionConfig.~0damaged"]);
    // Each evidence value is the raw text found at that key.
    for e in d["evidence"].as_array().unwrap() {
        assert_eq!(r[e["key"].as_str().unwrap()], e["value"]);
    }
    // The other record of the log, read whole, has no such flag.
    let plain = log.records.iter().map(|r| obj(r)).find(|r| !r.contains_key("event.salvaged")).unwrap();
    assert!(!plain.get("cloudfront.risk").is_some_and(|v| v.to_string().contains("config_partly_unreadable")));
    // A damage outside the configuration (here: a top-level member) raises no flag.
    let outside = br#"{"eventVersion":"1.08","eventSource":"cloudfront.amazonaws.com","eventName":"GetDistribution","userAgent":{ junk },"requestParameters":{"id":"E1"}}"#;
    let r = obj(&transform(outside, &salv()).unwrap());
    assert_eq!(r["event.salvaged"], json!(true));
    assert_eq!(r.get("cloudfront.risk"), None);
}

/// `unflatten` puts every readable member, and each damaged stretch, back where it was.
#[test]
fn unflatten_puts_salvaged_members_back() {
    let raw = br#"{"eventVersion":"1.08","eventName":"X","a":{"b":1,"c":{ junk },"d":[1,2]},"e":"f"}"#;
    let opts = Options { enrich: false, ..salv() };
    let flat = transform(raw, &opts).unwrap();
    let nested: Value = serde_json::from_str(&unflatten(flat.as_bytes(), &opts).unwrap()).unwrap();
    assert_eq!(nested["a"], json!({"b": 1, "c": {"~damaged": "junk"}, "d": [1, 2]}));
    assert_eq!(nested["e"], json!("f"));
    assert_eq!(nested["event"]["salvaged"], json!(true));
}

/// Garbage never turns into a fake record: no `{`, or no intact CloudTrail member.
#[test]
fn threshold_keeps_garbage_an_error() {
    let opts = salv();
    for bad in [&b"not json at all"[..], b"{\"a\": {junk}", b"{ eventName: x }", b"[{\"eventName\":\"X\",", b"{\"eventName\": x, \"b\": 1}"] {
        assert!(transform(bad, &opts).is_err(), "{}", String::from_utf8_lossy(bad));
        assert!(salvage(bad, '.').is_none());
    }
    let log = transform_log(b"{\"a\":1}\n%%% garbage %%%\n{\"b\":2}\n", &opts).unwrap();
    assert_eq!((log.records.len(), log.errors.len()), (2, 1));
    // Valid records are not salvaged: salvage runs only after a failure.
    assert!(salvage(b"{\"eventName\":\"X\"}", '.').is_none());
}

#[test]
fn truncated_record_is_marked() {
    let raw = br#"{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","eventName":"DeleteDistribution2020_05_31","requestParameters":{"id":"E1","ifMa"#;
    let r = obj(&transform(raw, &salv()).unwrap());
    assert_eq!(r["event.salvaged"], json!(true));
    assert_eq!(r["event.salvage.truncated"], json!(true));
    assert_eq!(r["requestParameters.id"], json!("E1"));
    assert_eq!(r["event.original"], json!(String::from_utf8_lossy(raw)));
    // A log cut mid-record: the last record is salvaged, the others as they were.
    let log = format!("{{\"Records\":[{{\"eventVersion\":\"1.08\",\"eventName\":\"A\"}},{}", String::from_utf8_lossy(raw));
    let out = transform_log(log.as_bytes(), &salv()).unwrap();
    assert_eq!((out.records.len(), out.errors.len()), (2, 0), "{:?}", out.errors);
    assert_eq!(obj(&out.records[1])["event.salvage.truncated"], json!(true));
}

// ---- Property: damaging one value keeps every member outside it. ----

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        (-1000i64..1000).prop_map(|n| json!(n)),
        "[a-z {}\\[\\],:\"\\\\]{0,8}".prop_map(Value::String),
        Just(Value::Null),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,6}", inner), 1..4).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A record: CloudTrail members first (kept intact), then a nested `requestParameters`.
fn record() -> impl Strategy<Value = (Vec<(String, Value)>, usize)> {
    (prop::collection::vec(("[a-z]{1,6}", value()), 1..6), any::<usize>()).prop_map(|(mut kv, pick)| {
        kv.sort_by(|a, b| a.0.cmp(&b.0));
        kv.dedup_by(|a, b| a.0 == b.0);
        let n = kv.len();
        (kv, pick % n)
    })
}

/// The record's text with member `damaged` of `requestParameters` given the text `bad` in place
/// of its value; also the text of every other member, to find in the output.
fn render(members: &[(String, Value)], damaged: usize, bad: &str) -> String {
    let mut s = String::from(r#"{"eventVersion":"1.08","eventName":"UpdateDistribution2020_05_31","requestParameters":{"#);
    for (i, (k, v)) in members.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&serde_json::to_string(k).unwrap());
        s.push(':');
        if i == damaged {
            s.push_str(bad);
        } else {
            s.push_str(&serde_json::to_string(v).unwrap());
        }
    }
    s.push_str(r#"},"requestID":"r-1"}"#);
    s
}

/// Nested form of the salvaged record (enrichment off), through `unflatten`.
fn salvaged_nested(text: &str) -> Value {
    let opts = Options { enrich: false, ..salv() };
    let flat = transform(text.as_bytes(), &opts).unwrap_or_else(|e| panic!("{e}: {text}"));
    let flat_obj = obj(&flat);
    assert_eq!(flat_obj["event.salvaged"], json!(true), "{text}");
    serde_json::from_str(&unflatten(flat.as_bytes(), &opts).unwrap()).unwrap()
}

fn check_others(members: &[(String, Value)], damaged: usize, nested: &Value, text: &str) {
    assert_eq!(nested["eventName"], json!("UpdateDistribution2020_05_31"), "{text}");
    assert_eq!(nested["requestID"], json!("r-1"), "{text}");
    for (i, (k, v)) in members.iter().enumerate() {
        if i != damaged {
            assert_eq!(&nested["requestParameters"][k], v, "member {k} of {text}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn garbage_value_keeps_the_rest((members, d) in record(), junk in "@[a-z#% ]{0,10}") {
        let text = render(&members, d, &junk);
        let nested = salvaged_nested(&text);
        check_others(&members, d, &nested, &text);
    }

    /// The damage of the seed: a container value loses its opening bracket(s).
    #[test]
    fn lost_opener_keeps_the_rest((members, d) in record(), both in any::<bool>()) {
        let good = serde_json::to_string(&members[d].1).unwrap();
        prop_assume!(good.starts_with('[') || good.starts_with('{'));
        let cut = if both && good.starts_with("[{") { 2 } else { 1 };
        let text = render(&members, d, &good[cut..]);
        let nested = salvaged_nested(&text);
        check_others(&members, d, &nested, &text);
    }

    /// Cut at any byte: every member that ended before the cut is kept.
    #[test]
    fn cut_keeps_what_came_before((members, d) in record(), at in any::<prop::sample::Index>()) {
        let full = render(&members, usize::MAX, "");
        let prefix = r#"{"eventVersion":"1.08","eventName":"UpdateDistribution2020_05_31","requestParameters":{"#.len();
        let cut = prefix + at.index(full.len() - 1 - prefix);
        let text = &full[..cut];
        let _ = d;
        let r = obj(&transform(text.as_bytes(), &Options { enrich: false, ..salv() }).unwrap());
        prop_assert_eq!(&r["event.salvage.truncated"], &json!(true));
        let nested = salvaged_nested(text);
        let mut end = prefix;
        for (i, (k, v)) in members.iter().enumerate() {
            end += usize::from(i > 0) + serde_json::to_string(k).unwrap().len() + 1 + serde_json::to_string(v).unwrap().len();
            if end <= cut {
                prop_assert_eq!(&nested["requestParameters"][k], v, "member {} of {}", k, text);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any text after a CloudTrail member (JSON-ish bytes, so the reader's paths are all taken):
    /// no panic, and what salvage writes is one JSON object whose damages lie inside the input,
    /// which the pipeline reads.
    #[test]
    fn arbitrary_damage_gives_a_json_object(tail in prop::collection::vec(prop::sample::select(b"{}[]:,\" \\\\ab1-.~\n\xff".to_vec()), 0..80)) {
        let mut text = br#"{"eventName":"X","#.to_vec();
        text.extend_from_slice(&tail);
        if let Some(s) = salvage(&text, '.') {
            let v: Value = serde_json::from_slice(&s.json).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&s.json)));
            prop_assert!(v.is_object());
            prop_assert_eq!(&v["eventName"], &json!("X"));
            prop_assert!(s.damages.iter().all(|d| d.offset <= text.len()));
            let out = obj(&transform(&text, &salv()).unwrap());
            prop_assert_eq!(&out["event.salvaged"], &json!(true));
        } else {
            // Not salvaged: the text parses (it is no damaged record) or fails another way.
            prop_assert!(transform(&text, &salv()).map_or(true, |o| !o.contains("event.salvaged")));
        }
    }
}
