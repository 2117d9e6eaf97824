//! The `ecs` and `ocsf` profiles against documents written by hand from the ECS field reference
//! (and Elastic's aws.cloudtrail pipeline) and the OCSF 1.1.0 schema, one fixture per case:
//! `tests/fixtures/profiles/<case>.json` is the record, `<case>.<profile>.expected.json` the
//! document it must become (`<case>.<profile>.noenrich.expected.json` with `enrich: false`).
//! Compared as JSON values: member order does not matter, array order does.
//! Refresh the expected documents after a deliberate change with
//! `UPDATE_FIXTURES=1 cargo test --test profiles`, then review every diff (`git diff tests/fixtures/profiles`).
#![cfg(not(target_arch = "wasm32"))] // native suite; the wasm one is tests/wasm.rs

use std::path::{Path, PathBuf};

use cloudfront_trail::{transform, transform_log, ErrorKind, Options, Profile};
use serde_json::Value;

const CASES: &[&str] = &[
    "cloudfront-update-distribution-assumed-role",
    "cloudfront-create-invalidation-access-denied",
    "console-login-failure",
    "iam-create-user-by-root",
    "iam-attach-user-policy",
    "service-event-no-user-identity",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/profiles")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every JSON pointer where `got` and `want` differ, with both sides.
fn diff(path: &str, got: &Value, want: &Value, out: &mut Vec<String>) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            for (k, wv) in w {
                let p = format!("{path}/{k}");
                match g.get(k) {
                    Some(gv) => diff(&p, gv, wv, out),
                    None => out.push(format!("{p}: missing (want {wv})")),
                }
            }
            for (k, gv) in g {
                if !w.contains_key(k) {
                    out.push(format!("{path}/{k}: unexpected {gv}"));
                }
            }
        }
        (Value::Array(g), Value::Array(w)) if g.len() == w.len() => {
            for (i, (gv, wv)) in g.iter().zip(w).enumerate() {
                diff(&format!("{path}/{i}"), gv, wv, out);
            }
        }
        _ if got != want => out.push(format!("{path}: got {got}, want {want}")),
        _ => {}
    }
}

fn check(case: &str, profile: Profile, enrich: bool) -> Option<String> {
    let name = match profile {
        Profile::Ecs => "ecs",
        Profile::Ocsf => "ocsf",
        Profile::Flat => "flat",
    };
    let suffix = if enrich { "expected" } else { "noenrich.expected" };
    let record = std::fs::read(fixtures().join(format!("{case}.json"))).expect("fixture record");
    let want = read_json(&fixtures().join(format!("{case}.{name}.{suffix}.json")));
    let opts = Options { profile, enrich, ..Options::default() };
    let out = transform(&record, &opts).unwrap_or_else(|e| panic!("{case} {name}: {e}"));
    let got: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{case} {name}: output is not JSON ({e}): {out}"));
    let mut diffs = Vec::new();
    diff("", &got, &want, &mut diffs);
    // Only documents that changed are rewritten, so the others keep their hand layout.
    if !diffs.is_empty() && std::env::var_os("UPDATE_FIXTURES").is_some() {
        let path = fixtures().join(format!("{case}.{name}.{suffix}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
        return None;
    }
    (!diffs.is_empty()).then(|| format!("{case} ({name}, {suffix}):\n  {}", diffs.join("\n  ")))
}

fn check_all(profile: Profile) {
    let failures: Vec<String> = CASES.iter().filter_map(|c| check(c, profile, true)).collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn ecs_documents_match_the_hand_written_ones() {
    check_all(Profile::Ecs);
}

#[test]
fn ocsf_documents_match_the_hand_written_ones() {
    check_all(Profile::Ocsf);
}

#[test]
fn without_enrichment_the_documents_keep_the_record_fields_only() {
    let failures: Vec<String> = [Profile::Ecs, Profile::Ocsf]
        .into_iter()
        .filter_map(|p| check("console-login-failure", p, false))
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// ECS `related.user` names everyone the record names, as Elastic's pipeline does: for a role
/// session both the session name (`user.name`) and the role it was issued from (issue 14).
#[test]
fn related_user_holds_the_session_and_its_role() {
    let record = std::fs::read(fixtures().join("cloudfront-update-distribution-assumed-role.json")).expect("fixture record");
    let input: Value = serde_json::from_slice(&record).unwrap();
    let role = input.pointer("/userIdentity/sessionContext/sessionIssuer/userName").and_then(Value::as_str).expect("the fixture names a role");
    let ecs: Value = serde_json::from_str(&transform(&record, &Options { profile: Profile::Ecs, ..Options::default() }).unwrap()).unwrap();
    let related: Vec<&str> = ecs.pointer("/related/user").and_then(Value::as_array).expect("related.user").iter().filter_map(Value::as_str).collect();
    let user = ecs.pointer("/user/name").and_then(Value::as_str).expect("user.name");
    assert!(related.contains(&user), "{related:?} lacks the session name {user}");
    assert!(related.contains(&role), "{related:?} lacks the role {role}");
}

/// Every case, with and without enrichment, gives one JSON object with the keys each target
/// needs to accept it: `@timestamp` for an Elastic data stream; OCSF's required base attributes.
#[test]
fn required_keys_are_always_present() {
    for case in CASES {
        let record = std::fs::read(fixtures().join(format!("{case}.json"))).expect("fixture record");
        for enrich in [true, false] {
            let ecs: Value = serde_json::from_str(&transform(&record, &Options { profile: Profile::Ecs, enrich, ..Options::default() }).unwrap()).unwrap();
            assert!(ecs.pointer("/@timestamp").is_some_and(Value::is_string), "{case} ecs enrich={enrich}");
            assert_eq!(ecs.pointer("/event/kind"), Some(&Value::from("event")), "{case}");
            let ocsf: Value = serde_json::from_str(&transform(&record, &Options { profile: Profile::Ocsf, enrich, ..Options::default() }).unwrap()).unwrap();
            for key in ["/class_uid", "/category_uid", "/activity_id", "/type_uid", "/time", "/severity_id", "/metadata/version", "/metadata/product/name"] {
                assert!(ocsf.pointer(key).is_some(), "{case} ocsf enrich={enrich}: {key} missing");
            }
            let class = ocsf["class_uid"].as_i64().unwrap();
            let activity = ocsf["activity_id"].as_i64().unwrap();
            assert_eq!(ocsf["type_uid"].as_i64(), Some(class * 100 + activity), "{case}");
        }
    }
}

/// Every record of the shared samples (when present) gives one JSON object per record in both
/// profiles: no panic, no invalid output, whatever the record holds.
#[test]
fn every_sample_record_gives_a_json_object() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    if !dir.exists() {
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let mut files = Vec::new();
    for sub in ["seed", "real"] {
        if let Ok(rd) = std::fs::read_dir(dir.join(sub)) {
            files.extend(rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x != "md")));
        }
    }
    let mut records = 0;
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for profile in [Profile::Ecs, Profile::Ocsf] {
            for enrich in [true, false] {
                let Ok(log) = transform_log(&bytes, &Options { profile, enrich, ..Options::default() }) else { continue };
                for doc in &log.records {
                    let v: Value = serde_json::from_str(doc).unwrap_or_else(|e| panic!("{}: {e}: {doc}", file.display()));
                    assert!(v.is_object(), "{}", file.display());
                    records += 1;
                }
            }
        }
    }
    assert!(records > 100, "only {records} sample records were read from {}", dir.display());
}

mod arbitrary_records {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Map, Number};

    /// Keys the profiles read, plus keys that trip naive code (dots, quotes, NUL, prototypes).
    const KEYS: &[&str] = &[
        "eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress",
        "userAgent", "errorCode", "errorMessage", "requestParameters", "responseElements", "additionalEventData",
        "requestID", "eventID", "readOnly", "eventType", "apiVersion", "managementEvent", "recipientAccountId",
        "sharedEventID", "vpcEndpointId", "eventCategory", "tlsDetails", "serviceEventDetails", "resources",
        "sessionCredentialFromConsole", "insightDetails", "type", "arn", "accountId", "userName", "principalId",
        "sessionContext", "attributes", "creationDate", "mfaAuthenticated", "sessionIssuer", "ARN", "id",
        "distributionConfig", "distributionId", "userId", "user", "roleName", "policyArn", "tlsVersion",
        "clientProvidedHostHeader", "MFAUsed", "ConsoleLogin", "LoginTo", "MobileVersion", "", "a.b", "q\"k", "\u{0}", "__proto__",
    ];
    const TEXTS: &[&str] = &[
        "", "ConsoleLogin", "CreateUser", "AttachUserPolicy", "UpdateDistribution2019_03_26", "iam.amazonaws.com",
        "signin.amazonaws.com", "cloudfront.amazonaws.com", "AssumedRole", "Root", "IAMUser", "AWSService",
        "2024-03-01T09:30:12Z", "20131102T010628Z", "9999-12-31T23:59:60+23:59", "1.2.3.4, 5.6.7.8", "::1", "TLSv1.3",
        "v", "Failure", "No", "Yes", "true", "False", "arn:aws:iam::1:user/x", "/", "\u{1F600}\\\"",
    ];

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| Value::Number(Number::from(n))),
            prop::sample::select(TEXTS).prop_map(|s| Value::String(s.to_string())),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((prop::sample::select(KEYS), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Map<_, _>>())),
            ]
        })
    }

    fn record() -> impl Strategy<Value = String> {
        prop::collection::vec((prop::sample::select(KEYS), value()), 0..14)
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Map<_, _>>()).to_string())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Whatever a record holds, both profiles write exactly one JSON object, with and
        /// without enrichment, and OCSF's type_uid stays class_uid * 100 + activity_id.
        #[test]
        fn any_record_gives_one_json_object(rec in record()) {
            for profile in [Profile::Ecs, Profile::Ocsf] {
                for enrich in [true, false] {
                    let out = match transform(rec.as_bytes(), &Options { profile, enrich, ..Options::default() }) {
                        Ok(out) => out,
                        // OCSF makes an error entry of what cannot be a valid event (docs/PROFILES.md).
                        Err(e) if profile == Profile::Ocsf && matches!(e.kind(), ErrorKind::Record | ErrorKind::NotCloudTrail) => continue,
                        Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
                    };
                    let v: Value = serde_json::from_str(&out).map_err(|e| TestCaseError::fail(format!("{e}: {out}")))?;
                    prop_assert!(v.is_object());
                    if profile == Profile::Ocsf {
                        let (c, a, t) = (v["class_uid"].as_i64(), v["activity_id"].as_i64(), v["type_uid"].as_i64());
                        prop_assert_eq!(t, c.zip(a).map(|(c, a)| c * 100 + a));
                    }
                }
            }
        }
    }
}

/// ECS `host.target.id` and `related.hosts` name the EC2 instances a call acts on (issue 14): the
/// ids in the request's `instancesSet`, the response's (RunInstances has none in its request) and
/// a request's `instanceId`, each once; a call naming none gets neither field. The expected ids
/// are read from each fixture record, not written here.
#[test]
fn ecs_names_the_instances_a_call_acts_on() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ec2/instance-state.json");
    let log: Value = read_json(&path);
    let ids_in = |v: &Value, at: &str| -> Vec<String> {
        v.pointer(at).and_then(Value::as_array).into_iter().flatten().filter_map(|i| i["instanceId"].as_str().map(String::from)).collect()
    };
    let mut with_ids = 0;
    for rec in log["Records"].as_array().expect("Records") {
        let mut want: Vec<String> = Vec::new();
        for id in ids_in(rec, "/requestParameters/instancesSet/items")
            .into_iter()
            .chain(ids_in(rec, "/responseElements/instancesSet/items"))
            .chain(rec.pointer("/requestParameters/instanceId").and_then(Value::as_str).map(String::from))
        {
            if !want.contains(&id) {
                want.push(id);
            }
        }
        for enrich in [true, false] {
            let ecs: Value = serde_json::from_str(&transform(rec.to_string().as_bytes(), &Options { profile: Profile::Ecs, enrich, ..Options::default() }).unwrap()).unwrap();
            let got = |p: &str| ecs.pointer(p).map(|v| v.as_array().expect("an array").iter().map(|x| x.as_str().unwrap().to_string()).collect::<Vec<_>>());
            let name = &rec["eventName"];
            if want.is_empty() {
                assert_eq!((got("/host/target/id"), got("/related/hosts")), (None, None), "{name}");
            } else {
                assert_eq!(got("/host/target/id").as_ref(), Some(&want), "{name}");
                assert_eq!(got("/related/hosts").as_ref(), Some(&want), "{name}");
            }
        }
        with_ids += usize::from(!want.is_empty());
    }
    assert_eq!(with_ids, 4, "RunInstances, StopInstances, StartInstances and ModifyInstanceAttribute name instances");
}
