//! Change tracking end to end (docs/SCHEMA.md, "Change tracking"): the fixture
//! tests/fixtures/track/distribution-lifecycle.json, written from CloudFront's documented API
//! shapes, holds one distribution's creation, a config read, two updates, a denied update and a
//! late (out-of-order) config read, then a config read of a second distribution.

use cloudfront_trail::{transform, transform_log, transform_log_to_ndjson, Item, Options, Profile, Splitter};
use serde_json::{json, Map, Value};

fn fixture() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/track/distribution-lifecycle.json")).expect("fixture")
}

fn records(opts: &Options) -> Vec<Map<String, Value>> {
    let log = transform_log(&fixture(), opts).expect("log");
    assert!(log.errors.is_empty(), "{:?}", log.errors);
    log.records.iter().map(|r| serde_json::from_str(r).expect("JSON")).collect()
}

fn change_keys(r: &Map<String, Value>) -> Map<String, Value> {
    r.iter().filter(|(k, _)| k.starts_with("cloudfront.change.")).map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn get<'r>(r: &'r Map<String, Value>, k: &str) -> &'r Value {
    r.get(k).unwrap_or(&Value::Null)
}

fn flags(r: &Map<String, Value>) -> Vec<&str> {
    get(r, "cloudfront.change.flags").as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

/// The diff entry for `key` in a record.
fn diff<'r>(r: &'r Map<String, Value>, key: &str) -> &'r Value {
    get(r, "cloudfront.change.diff").as_array().and_then(|a| a.iter().find(|d| d["key"] == key)).unwrap_or(&Value::Null)
}

#[test]
fn create_read_and_two_updates() {
    let rs = records(&Options::default());
    assert_eq!(rs.len(), 7);
    let (create, read, up1, up2) = (&rs[0], &rs[1], &rs[2], &rs[3]);

    // The creation: nothing known before it.
    assert_eq!(get(create, "cloudfront.change.state"), "first_seen");
    assert_eq!(get(create, "cloudfront.change.resource_type"), "distribution");
    assert_eq!(get(create, "cloudfront.change.resource_id"), "EDFDVBD6EXAMPLE");
    for k in ["fields", "diff", "flags", "flag_details", "previous.event_id"] {
        assert!(!create.contains_key(&format!("cloudfront.change.{k}")), "{k} on a first_seen record");
    }

    // The config read returns what was created.
    assert_eq!(get(read, "cloudfront.change.state"), "unchanged");
    assert_eq!(get(read, "cloudfront.change.previous.event_id"), "11111111-0000-4000-8000-000000000001");
    assert_eq!(get(read, "cloudfront.change.previous.event_name"), "CreateDistribution2020_05_31");
    assert_eq!(get(read, "cloudfront.change.previous.event_time"), "2024-03-01T10:00:00Z");
    assert!(!read.contains_key("cloudfront.change.fields"));

    // First update: logging off, an origin and an alias added, the comment.
    assert_eq!(get(up1, "cloudfront.change.state"), "changed");
    assert_eq!(get(up1, "cloudfront.change.previous.event_id"), "11111111-0000-4000-8000-000000000002");
    let want_fields: Vec<&str> = alloc_fields(&[
        "aliases.items.1",
        "aliases.quantity",
        "comment",
        "logging.enabled",
        "origins.items.1.connectionAttempts",
        "origins.items.1.connectionTimeout",
        "origins.items.1.customHeaders.quantity",
        "origins.items.1.customOriginConfig.hTTPPort",
        "origins.items.1.customOriginConfig.hTTPSPort",
        "origins.items.1.customOriginConfig.originProtocolPolicy",
        "origins.items.1.customOriginConfig.originSslProtocols.items.0",
        "origins.items.1.customOriginConfig.originSslProtocols.quantity",
        "origins.items.1.domainName",
        "origins.items.1.id",
        "origins.items.1.originPath",
        "origins.quantity",
    ]);
    assert_eq!(get(up1, "cloudfront.change.fields"), &json!(want_fields));
    assert_eq!(diff(up1, "logging.enabled"), &json!({"key": "logging.enabled", "before": true, "after": false}));
    assert_eq!(diff(up1, "comment"), &json!({"key": "comment", "before": "marketing site", "after": "marketing site + api"}));
    assert_eq!(diff(up1, "origins.items.1.domainName"), &json!({"key": "origins.items.1.domainName", "after": "api.example.net"}));
    assert_eq!(diff(up1, "origins.quantity"), &json!({"key": "origins.quantity", "before": 1, "after": 2}));
    assert_eq!(flags(up1), ["alias_added", "logging_turned_off", "origin_added"]);
    let details = get(up1, "cloudfront.change.flag_details");
    assert_eq!(
        details[1],
        json!({"flag": "logging_turned_off", "severity": "high", "kind": "diff", "evidence": [{"key": "logging.enabled", "before": true, "after": false}]})
    );
    assert_eq!(details[0]["evidence"], json!([{"key": "aliases.items.1", "after": "static.example.com"}]));
    assert!(!up1.contains_key("cloudfront.change.diff_truncated"));

    // Second update: everything a defender dreads.
    assert_eq!(get(up2, "cloudfront.change.state"), "changed");
    assert_eq!(get(up2, "cloudfront.change.previous.event_id"), "11111111-0000-4000-8000-000000000003");
    assert_eq!(
        flags(up2),
        [
            "distribution_disabled",
            "geo_restriction_removed",
            "min_tls_lowered",
            "origin_repointed",
            "price_class_changed",
            "viewer_http_newly_allowed",
            "waf_removed"
        ]
    );
    assert_eq!(
        diff(up2, "webACLId"),
        &json!({"key": "webACLId", "before": "arn:aws:wafv2:us-east-1:111122223333:global/webacl/edge-acl/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", "after": ""})
    );
    assert_eq!(diff(up2, "restrictions.geoRestriction.items.1"), &json!({"key": "restrictions.geoRestriction.items.1", "before": "FR"}));
    assert_eq!(diff(up2, "origins.items.0.domainName")["after"], "cdn-mirror.evil.example.org");
    let repointed = get(up2, "cloudfront.change.flag_details").as_array().unwrap().iter().find(|d| d["flag"] == "origin_repointed").unwrap().clone();
    assert_eq!(
        repointed["evidence"],
        json!([{"key": "origins.items.0.domainName", "before": "site-bucket.s3.us-east-1.amazonaws.com", "after": "cdn-mirror.evil.example.org"}])
    );
    // The state flags of the same record still say what one record proves.
    assert!(get(up2, "cloudfront.risk").as_array().unwrap().iter().any(|f| f == "no_waf"));
}

fn alloc_fields<'a>(v: &[&'a str]) -> Vec<&'a str> {
    v.to_vec()
}

#[test]
fn denied_late_and_unknown() {
    let rs = records(&Options::default());
    // The denied update changed nothing, but names its distribution from the error message.
    let denied = &rs[4];
    assert_eq!(get(denied, "event.outcome"), "failure");
    assert_eq!(get(denied, "cloudfront.distribution.id"), "EDFDVBD6EXAMPLE");
    assert_eq!(get(denied, "cloudfront.distribution.arn"), "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE");
    assert!(change_keys(denied).is_empty(), "{denied:?}");
    // A config read from before the last update arrives late: no change claims.
    let late = &rs[5];
    assert_eq!(get(late, "cloudfront.change.state"), "out_of_order");
    assert_eq!(change_keys(late).len(), 3, "{:?}", change_keys(late));
    // Another distribution: its earlier state is unknown.
    let other = &rs[6];
    assert_eq!(get(other, "cloudfront.change.state"), "first_seen");
    assert_eq!(get(other, "cloudfront.change.resource_id"), "E3OTHEREXAMPLE");
    assert_eq!(change_keys(other).len(), 3);
}

/// The late read did not replace the newer state: an update equal to the second update's
/// configuration right after it is `unchanged` against the second update.
#[test]
fn out_of_order_keeps_the_newer_state() {
    let text = String::from_utf8(fixture()).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut recs = v["Records"].as_array().unwrap().clone();
    let mut again = recs[3].clone();
    again["eventTime"] = json!("2024-03-01T14:00:00Z");
    again["eventID"] = json!("again");
    recs.push(again);
    let input = serde_json::to_vec(&json!({ "Records": recs })).unwrap();
    let log = transform_log(&input, &Options::default()).unwrap();
    let last: Map<String, Value> = serde_json::from_str(log.records.last().unwrap()).unwrap();
    assert_eq!(get(&last, "cloudfront.change.state"), "unchanged");
    assert_eq!(get(&last, "cloudfront.change.previous.event_id"), "11111111-0000-4000-8000-000000000004");
}

#[test]
fn option_off_and_one_record_calls_give_none() {
    for opts in [Options { track: false, ..Options::default() }, Options { enrich: false, ..Options::default() }] {
        for r in records(&opts) {
            assert!(change_keys(&r).is_empty(), "{opts:?}: {r:?}");
        }
    }
    // `transform` sees one record at a time: no history, so no change keys.
    let v: Value = serde_json::from_slice(&fixture()).unwrap();
    for rec in v["Records"].as_array().unwrap() {
        let out: Map<String, Value> = serde_json::from_str(&transform(rec.to_string().as_bytes(), &Options::default()).unwrap()).unwrap();
        assert!(change_keys(&out).is_empty(), "{out:?}");
    }
}

/// The NDJSON path and the streaming splitter fed in small chunks give what transform_log gives.
#[test]
fn every_log_path_tracks_the_same() {
    let want: Vec<Map<String, Value>> = records(&Options::default()).iter().map(change_keys).collect();
    assert!(want.iter().filter(|c| !c.is_empty()).count() >= 5);
    let (nd, _) = transform_log_to_ndjson(&fixture(), &Options::default()).unwrap();
    let got: Vec<Map<String, Value>> = nd.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(|l| change_keys(&serde_json::from_slice(l).unwrap())).collect();
    assert_eq!(got, want);
    let mut sp = Splitter::new(Options::default()).unwrap();
    let mut got = Vec::new();
    let mut sink = |item: Item<'_>| got.push(change_keys(&serde_json::from_slice(item.json()).unwrap()));
    for chunk in fixture().chunks(97) {
        sp.push(chunk, &mut sink).unwrap();
    }
    sp.finish(&mut sink).unwrap();
    assert_eq!(got, want);
}

/// Resources beyond `track_max_resources` are evicted least recently used first: an evicted
/// distribution's next record is `first_seen` again.
#[test]
fn lru_eviction() {
    let rec = |t: u32, id: &str, comment: &str| {
        format!(
            r#"{{"eventTime":"2024-03-01T10:{t:02}:00Z","eventSource":"cloudfront.amazonaws.com","eventName":"UpdateDistribution","eventID":"{id}-{t}","recipientAccountId":"1","requestParameters":{{"id":"{id}","distributionConfig":{{"comment":"{comment}","enabled":true}}}}}}"#
        )
    };
    // A, B known; A used again; C evicts B (the least recently used); then A is still known and
    // B is not.
    let lines = [rec(1, "A", "a"), rec(2, "B", "b"), rec(3, "A", "a2"), rec(4, "C", "c"), rec(5, "A", "a3"), rec(6, "B", "b2")];
    let input = lines.join("\n");
    let states = |max: usize| -> Vec<String> {
        let log = transform_log(input.as_bytes(), &Options { track_max_resources: max, ..Options::default() }).unwrap();
        log.records.iter().map(|r| serde_json::from_str::<Map<String, Value>>(r).unwrap()["cloudfront.change.state"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(states(2), ["first_seen", "first_seen", "changed", "first_seen", "changed", "first_seen"]);
    assert_eq!(states(3), ["first_seen", "first_seen", "changed", "first_seen", "changed", "changed"]);
    assert_eq!(states(0), ["first_seen"; 6]);
}

/// Per account: the same id in two accounts is two resources.
#[test]
fn keyed_by_account() {
    let rec = |acct: &str, t: u32, comment: &str| {
        format!(
            r#"{{"eventTime":"2024-03-01T10:{t:02}:00Z","eventSource":"cloudfront.amazonaws.com","eventName":"UpdateDistribution","recipientAccountId":"{acct}","requestParameters":{{"id":"E1","distributionConfig":{{"comment":"{comment}"}}}}}}"#
        )
    };
    let input = [rec("1", 1, "x"), rec("2", 2, "y"), rec("1", 3, "z")].join("\n");
    let log = transform_log(input.as_bytes(), &Options::default()).unwrap();
    let states: Vec<String> = log.records.iter().map(|r| serde_json::from_str::<Map<String, Value>>(r).unwrap()["cloudfront.change.state"].as_str().unwrap().to_string()).collect();
    assert_eq!(states, ["first_seen", "first_seen", "changed"]);
}

/// The nested profiles carry the same change: ECS under `aws.cloudfront.change` (values as
/// text), OCSF as a `cloudfront.change` enrichment.
#[test]
fn nested_profiles() {
    let log = transform_log(&fixture(), &Options { profile: Profile::Ecs, ..Options::default() }).unwrap();
    let doc: Value = serde_json::from_str(&log.records[2]).unwrap();
    let c = &doc["aws"]["cloudfront"]["change"];
    assert_eq!(c["state"], "changed");
    assert_eq!(c["flags"], json!(["alias_added", "logging_turned_off", "origin_added"]));
    let logging = c["diff"].as_array().unwrap().iter().find(|d| d["key"] == "logging.enabled").unwrap();
    assert_eq!(logging, &json!({"key": "logging.enabled", "before": "true", "after": "false"}));
    let log = transform_log(&fixture(), &Options { profile: Profile::Ocsf, ..Options::default() }).unwrap();
    let doc: Value = serde_json::from_str(&log.records[3]).unwrap();
    let e = doc["enrichments"].as_array().unwrap().iter().find(|e| e["type"] == "cloudfront.change").unwrap();
    assert_eq!(e["name"], "resources.uid");
    assert_eq!(e["value"], "EDFDVBD6EXAMPLE");
    assert_eq!(e["data"]["state"], "changed");
    assert_eq!(e["data"]["previous"]["event_id"], "11111111-0000-4000-8000-000000000003");
    assert!(e["data"]["flags"].as_array().unwrap().iter().any(|f| f == "waf_removed"));
}

/// A log set read file by file: the splitter of each file continues the history of the one
/// before (`carry_history_from`), so a change in a later file is compared with what the earlier
/// files left; without it the later file starts from nothing.
#[test]
fn history_carries_across_files() {
    let v: Value = serde_json::from_slice(&fixture()).unwrap();
    let recs = v["Records"].as_array().unwrap();
    let file = |rs: &[Value]| serde_json::to_vec(&json!({ "Records": rs })).unwrap();
    let (first, second) = (file(&recs[..2]), file(&recs[2..4]));
    let read = |sp: &mut Splitter, input: &[u8]| -> Vec<Map<String, Value>> {
        let mut got = Vec::new();
        let mut sink = |item: Item<'_>| got.push(serde_json::from_slice::<Map<String, Value>>(item.json()).unwrap());
        sp.push(input, &mut sink).unwrap();
        sp.finish(&mut sink).unwrap();
        got
    };
    let mut a = Splitter::new(Options::default()).unwrap();
    read(&mut a, &first);
    let mut b = Splitter::new(Options::default()).unwrap();
    b.carry_history_from(&mut a);
    let got = read(&mut b, &second);
    assert_eq!(get(&got[0], "cloudfront.change.state"), "changed");
    assert_eq!(get(&got[0], "cloudfront.change.previous.event_id"), "11111111-0000-4000-8000-000000000002");
    assert_eq!(flags(&got[0]), ["alias_added", "logging_turned_off", "origin_added"]);
    // Alone, the second file knows nothing before its first record.
    let mut c = Splitter::new(Options::default()).unwrap();
    assert_eq!(get(&read(&mut c, &second)[0], "cloudfront.change.state"), "first_seen");
    // A splitter that does not track takes nothing, and gives nothing.
    let mut off = Splitter::new(Options { track: false, ..Options::default() }).unwrap();
    off.carry_history_from(&mut b);
    assert!(change_keys(&read(&mut off, &second)[0]).is_empty());
}
