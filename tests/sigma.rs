//! The Sigma evaluator (src/detect): each rule in tests/fixtures/sigma (written for this
//! repository) against records that must match and near-misses that must not; rules the engine
//! refuses; no panics on random rules and records; SigmaHQ's CloudTrail rules from
//! ../shared/sigma when present (skipped cleanly when absent).
#![cfg(not(target_arch = "wasm32"))]

use cloudfront_trail::{transform, Options, Rules};
use std::path::Path;

fn rule(name: &str) -> Rules {
    let text = std::fs::read_to_string(format!("tests/fixtures/sigma/{name}.yml")).unwrap();
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn hits(r: &Rules, rec: &str) -> usize {
    r.matches(rec.as_bytes()).len()
}

/// (fixture, records that match, near-misses that do not)
const CASES: &[(&str, &[&str], &[&str])] = &[
    (
        "plain",
        &[
            r#"{"eventSource":"s3.amazonaws.com","eventName":"PutBucketPolicy"}"#,
            r#"{"eventSource":"S3.AMAZONAWS.COM","eventName":"putbucketpolicy"}"#,
        ],
        &[
            r#"{"eventSource":"s3.amazonaws.com","eventName":"PutBucketAcl"}"#,
            r#"{"eventName":"PutBucketPolicy"}"#,
        ],
    ),
    (
        "value_list",
        &[
            r#"{"eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey"}"#,
            r#"{"eventSource":"iam.amazonaws.com","eventName":"CreateLoginProfile"}"#,
        ],
        &[r#"{"eventSource":"iam.amazonaws.com","eventName":"DeleteAccessKey"}"#],
    ),
    (
        "list_of_maps",
        &[
            r#"{"eventName":"StopLogging"}"#,
            r#"{"eventName":"UpdateTrail","errorCode":"AccessDenied"}"#,
        ],
        &[
            r#"{"eventName":"UpdateTrail"}"#,
            r#"{"eventName":"StopLoggingX"}"#,
        ],
    ),
    (
        "wildcard",
        &[
            r#"{"eventName":"DeleteSecurityGroups"}"#,
            r#"{"eventName":"DeleteGroupS"}"#,
        ],
        &[
            r#"{"eventName":"DeleteSecurityGroup"}"#,
            r#"{"eventName":"XDeleteGroups"}"#,
        ],
    ),
    (
        "contains",
        &[r#"{"eventName":"GetObject","requestParameters":{"key":"a/TopSecret.txt"}}"#],
        &[
            r#"{"eventName":"GetObject","requestParameters":{"key":"a/secre.txt"}}"#,
            r#"{"eventName":"GetObject"}"#,
        ],
    ),
    (
        "startswith",
        &[r#"{"eventName":"RunInstances","userAgent":"aws-cli/2.15 Python/3.11"}"#],
        &[r#"{"eventName":"RunInstances","userAgent":"Boto3 aws-cli/2.15"}"#],
    ),
    (
        "endswith",
        &[
            r#"{"eventName":"AssumeRole","requestParameters":{"roleArn":"arn:aws:iam::1:role/admin"}}"#,
        ],
        &[
            r#"{"eventName":"AssumeRole","requestParameters":{"roleArn":"arn:aws:iam::1:role/Admins"}}"#,
        ],
    ),
    (
        "re",
        &[r#"{"userIdentity":{"arn":"arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1"}}"#],
        &[
            r#"{"userIdentity":{"arn":"arn:aws:sts::1:assumed-role/web/i-1"}}"#,
            r#"{"userIdentity":{"arn":"ARN:AWS:STS::1:ASSUMED-ROLE/AWS:EC2/I"}}"#,
        ],
    ),
    (
        "cidr",
        &[
            r#"{"eventName":"ConsoleLogin","sourceIPAddress":"203.0.113.77"}"#,
            r#"{"eventName":"ConsoleLogin","sourceIPAddress":"2001:db8::5"}"#,
        ],
        &[
            r#"{"eventName":"ConsoleLogin","sourceIPAddress":"203.0.114.1"}"#,
            r#"{"eventName":"ConsoleLogin","sourceIPAddress":"signin.amazonaws.com"}"#,
        ],
    ),
    (
        "contains_all",
        &[
            r#"{"eventName":"PutRolePolicy","requestParameters":{"policyDocument":"{\"Effect\":\"Allow\",\"Action\":\"iam:*\"}"}}"#,
        ],
        &[
            r#"{"eventName":"PutRolePolicy","requestParameters":{"policyDocument":"{\"Effect\":\"Allow\",\"Action\":\"s3:*\"}"}}"#,
        ],
    ),
    (
        "null",
        &[
            r#"{"eventName":"ConsoleLogin"}"#,
            r#"{"eventName":"ConsoleLogin","errorCode":null}"#,
        ],
        &[r#"{"eventName":"ConsoleLogin","errorCode":"Failed"}"#],
    ),
    (
        "exists",
        &[r#"{"eventName":"CreateUser","requestParameters":{"tags":[]}}"#],
        &[r#"{"eventName":"CreateUser","requestParameters":{"userName":"x"}}"#],
    ),
    (
        "fieldref",
        &[
            r#"{"eventName":"UpdateLoginProfile","userIdentity":{"userName":"alice"},"requestParameters":{"userName":"bob"}}"#,
        ],
        &[
            r#"{"eventName":"UpdateLoginProfile","userIdentity":{"userName":"bob"},"requestParameters":{"userName":"bob"}}"#,
        ],
    ),
    (
        "cased",
        &[r#"{"eventName":"ListBuckets"}"#],
        &[r#"{"eventName":"listbuckets"}"#],
    ),
    (
        "arrays",
        &[
            r#"{"eventName":"AuthorizeSecurityGroupIngress","requestParameters":{"ipPermissions":{"items":[{"ipRanges":{"items":[{"cidrIp":"10.0.0.0/8"},{"cidrIp":"0.0.0.0/0"}]}}]}}}"#,
        ],
        &[
            r#"{"eventName":"AuthorizeSecurityGroupIngress","requestParameters":{"ipPermissions":{"items":[{"ipRanges":{"items":[{"cidrIp":"10.0.0.0/8"}]}}]}}}"#,
        ],
    ),
    (
        "not_one_of",
        &[
            r#"{"eventSource":"ec2.amazonaws.com","eventName":"CreateInstanceExportTask","responseElements":{"state":"active"}}"#,
        ],
        &[
            r#"{"eventSource":"ec2.amazonaws.com","eventName":"CreateInstanceExportTask","errorCode":"X"}"#,
            r#"{"eventSource":"ec2.amazonaws.com","eventName":"CreateInstanceExportTask","responseElements":{"state":"Failure"}}"#,
        ],
    ),
    (
        "one_of_pattern",
        &[
            r#"{"eventName":"ModifySnapshotAttribute","requestParameters":{"createVolumePermission":{"add":{"items":[{"group":"all"}]}}}}"#,
            r#"{"eventName":"ModifySnapshotAttribute","requestParameters":{"createVolumePermission":{"add":{"items":[{"userId":"2"}]}}}}"#,
        ],
        &[
            r#"{"eventName":"ModifySnapshotAttribute","requestParameters":{"createVolumePermission":{"remove":{"items":[{"group":"all"}]}}}}"#,
        ],
    ),
    (
        "all_of_them",
        &[r#"{"eventSource":"s3.amazonaws.com","eventName":"DeleteBucket"}"#],
        &[r#"{"eventSource":"s3.amazonaws.com","eventName":"DeleteBucketPolicy"}"#],
    ),
    (
        "all_of_pattern",
        &[r#"{"eventName":"GetSecretValue","userIdentity":{"type":"AssumedRole"}}"#],
        &[r#"{"eventName":"GetSecretValue","userIdentity":{"type":"IAMUser"}}"#],
    ),
    (
        "parens_or",
        &[
            r#"{"eventSource":"guardduty.amazonaws.com","eventName":"DeleteDetector","userIdentity":{"type":"IAMUser"}}"#,
            r#"{"eventSource":"config.amazonaws.com","eventName":"StopConfigurationRecorder"}"#,
        ],
        &[
            r#"{"eventSource":"guardduty.amazonaws.com","eventName":"DeleteDetector","userIdentity":{"type":"AWSService"}}"#,
            r#"{"eventSource":"config.amazonaws.com","eventName":"DeleteDetector"}"#,
        ],
    ),
    (
        "condition_list",
        &[
            r#"{"eventName":"DeleteTrail"}"#,
            r#"{"eventName":"PutEventSelectors"}"#,
        ],
        &[r#"{"eventName":"CreateTrail"}"#],
    ),
    (
        "numbers_bools",
        &[
            r#"{"eventName":"PutBucketVersioning","readOnly":false,"requestParameters":{"MaxKeys":1000}}"#,
        ],
        &[
            r#"{"eventName":"PutBucketVersioning","readOnly":true,"requestParameters":{"MaxKeys":1000}}"#,
        ],
    ),
];

#[test]
fn fixtures_match_and_near_misses_do_not() {
    let mut seen = 0;
    for (name, yes, no) in CASES {
        let r = rule(name);
        for rec in *yes {
            assert_eq!(hits(&r, rec), 1, "{name} should match {rec}");
        }
        for rec in *no {
            assert_eq!(hits(&r, rec), 0, "{name} should not match {rec}");
        }
        seen += 1;
    }
    // Every fixture has its cases.
    let files = std::fs::read_dir("tests/fixtures/sigma").unwrap().count();
    assert_eq!(seen, files);
}

/// The flat profile carries the matches; arrays when several rules match.
#[test]
fn flat_profile_writes_rule_keys() {
    let a = std::fs::read_to_string("tests/fixtures/sigma/list_of_maps.yml").unwrap();
    let b = std::fs::read_to_string("tests/fixtures/sigma/condition_list.yml").unwrap();
    let both: Rules =
        serde_norway::from_str(&format!("- {}\n- {}", indent(&a), indent(&b))).unwrap();
    assert_eq!(both.len(), 2);
    let opts = Options {
        rules: both,
        ..Options::default()
    };
    let out: serde_json::Value = serde_json::from_str(&transform(br#"{"eventVersion":"1.08","eventName":"StopLogging","eventSource":"cloudtrail.amazonaws.com"}"#, &opts).unwrap()).unwrap();
    assert_eq!(out["rule.id"], "fixture-list-of-maps");
    assert_eq!(out["rule.name"], "Fixture list of maps");
    assert_eq!(out["rule.level"], "medium");
    assert_eq!(out["threat.technique.id"], "T1562.001");
    let out: serde_json::Value =
        serde_json::from_str(&transform(br#"{"eventName":"DeleteTrail"}"#, &opts).unwrap())
            .unwrap();
    assert_eq!(out["rule.id"], "fixture-condition-list");
    let out: serde_json::Value =
        serde_json::from_str(&transform(br#"{"eventName":"CreateTrail"}"#, &opts).unwrap())
            .unwrap();
    assert!(out.get("rule.id").is_none());
    // Two rules matching one record: arrays.
    let twice: Rules = serde_norway::from_str(&format!(
        "- {}\n- {}",
        indent(&a),
        indent(&a.replace("fixture-list-of-maps", "second"))
    ))
    .unwrap();
    let opts = Options {
        rules: twice,
        ..Options::default()
    };
    let out: serde_json::Value =
        serde_json::from_str(&transform(br#"{"eventName":"StopLogging"}"#, &opts).unwrap())
            .unwrap();
    assert_eq!(
        out["rule.id"],
        serde_json::json!(["fixture-list-of-maps", "second"])
    );
    assert_eq!(out["threat.technique.id"], "T1562.001");
}

fn indent(s: &str) -> String {
    s.lines().collect::<Vec<_>>().join("\n  ")
}

/// The same rule given as JSON text (what the JS shim and the CLI hand the core).
#[test]
fn options_take_rules_as_json() {
    let yaml: serde_json::Value =
        serde_norway::from_str(&std::fs::read_to_string("tests/fixtures/sigma/plain.yml").unwrap())
            .unwrap();
    let opts = Options::from_json(&format!("{{\"rules\":[{yaml}]}}")).unwrap();
    assert_eq!(opts.rules.len(), 1);
    let out = transform(
        br#"{"eventSource":"s3.amazonaws.com","eventName":"PutBucketPolicy"}"#,
        &opts,
    )
    .unwrap();
    assert!(out.contains("\"rule.id\":\"fixture-plain\""), "{out}");
    let e = Options::from_json(
        r#"{"rules":[{"detection":{"sel":{"a|base64":"x"},"condition":"sel"}}]}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("base64"), "{e}");
}

/// What the engine refuses, with the reason.
#[test]
fn unsupported_rules_are_errors() {
    for (det, why) in [
        ("sel: {a: x}\n  condition: sel | count() > 5", "aggregation"),
        (
            "sel: {a: x}\n  condition: sel\n  timeframe: 5m",
            "timeframe",
        ),
        ("sel: [x, y]\n  condition: sel", "keyword"),
        ("sel: {a|base64: x}\n  condition: sel", "base64"),
        ("sel: {a: x}\n  condition: other", "unknown selection"),
        ("sel: {a: x}\n  condition: 1 of nothing_*", "no selection"),
        ("sel: {a: x}\n  condition: (sel", "missing"),
        ("sel: {a|re: '('}\n  condition: sel", "a|re"),
        ("sel: {a|cidr: '10.0.0.0/33'}\n  condition: sel", "CIDR"),
        ("sel: {a: x}", "condition"),
    ] {
        let text = format!("detection:\n  {det}\n");
        let e = serde_norway::from_str::<Rules>(&text)
            .map(|r| r.len())
            .unwrap_err()
            .to_string();
        assert!(e.contains(why), "{text}: {e}");
    }
    let deep = format!(
        "detection:\n  sel: {{a: x}}\n  condition: {}sel{}\n",
        "(".repeat(200),
        ")".repeat(200)
    );
    assert!(serde_norway::from_str::<Rules>(&deep).is_err());
}

/// The index: a record meets only the rules that could match; rules without an eventName or
/// eventSource requirement are tried on every record.
#[test]
fn index_keeps_rules_apart() {
    let r = rule("re");
    assert_eq!(
        hits(
            &r,
            r#"{"eventName":"Anything","userIdentity":{"arn":"x:assumed-role/aws:y"}}"#
        ),
        1
    );
    let r = rule("value_list");
    assert_eq!(
        hits(
            &r,
            r#"{"eventSource":"iam.amazonaws.com","eventName":"createaccesskey"}"#
        ),
        1
    );
}

mod random {
    use super::*;
    use proptest::prelude::*;

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("sel".to_string()),
            Just("filter_a".to_string()),
            Just("and".into()),
            Just("or".into()),
            Just("not".into()),
            Just("(".into()),
            Just(")".into()),
            Just("1 of".into()),
            Just("all of".into()),
            Just("them".into()),
            Just("sel*".into()),
            Just("|".into()),
            "[a-z*?()|\\\\]{0,6}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
        /// Random conditions, modifiers and values: compiled or refused, then evaluated on
        /// random records, never a panic.
        #[test]
        fn no_panics(cond in proptest::collection::vec(word(), 0..12), modifier in "(\\|(contains|startswith|endswith|re|cidr|all|exists|fieldref|cased|i|x)){0,3}",
                     value in "[a-zA-Z0-9*?\\\\.:/()\\[\\]+{}^$|-]{0,12}", rec in "[{}\\[\\]\":,a-zA-Z0-9.\\\\ ]{0,60}") {
            let rule = serde_json::json!({"title": "r", "detection": {
                "sel": {format!("eventName{modifier}"): value, "a.b": [value.clone(), null]},
                "filter_a": [{"eventSource": "x"}, {"c": true}],
                "condition": cond.join(" ")}});
            if let Ok(rules) = Rules::from_json(&rule.to_string()) {
                let _ = rules.matches(rec.as_bytes());
                let _ = rules.matches(format!("{{\"eventName\":\"{value}\",\"a\":{{\"b\":[\"{value}\",1]}}}}").as_bytes());
                let _ = transform(rec.as_bytes(), &Options { rules, ..Options::default() });
            }
        }
    }
}

/// SigmaHQ's CloudTrail rules (third-party content, never copied here): each compiles or is
/// listed as unsupported with its reason, and the Stratus Red Team detonations in
/// ../shared/samples/real fire the rules written for their technique.
#[test]
fn sigmahq_cloudtrail_rules() {
    let dir = Path::new("../shared/sigma/rules/cloud/aws/cloudtrail");
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("skipped: {} absent", dir.display());
        return;
    };
    let mut names: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    names.sort();
    let (mut ok, mut unsupported) = (Vec::new(), Vec::new());
    for p in &names {
        let text = std::fs::read_to_string(p).unwrap();
        match serde_norway::from_str::<Rules>(&text) {
            Ok(r) => ok.push((p.file_name().unwrap().to_string_lossy().into_owned(), r)),
            Err(e) => unsupported.push(format!("{}: {e}", p.display())),
        }
    }
    eprintln!(
        "SigmaHQ CloudTrail rules: {} compiled, {} unsupported",
        ok.len(),
        unsupported.len()
    );
    for u in &unsupported {
        eprintln!("  unsupported: {u}");
    }
    // Not one of these rules aggregates or correlates: every one must compile.
    assert!(unsupported.is_empty(), "{unsupported:#?}");
    assert!(ok.len() >= 50, "{}", ok.len());

    let samples = Path::new("../shared/samples/real");
    let Ok(entries) = std::fs::read_dir(samples) else {
        eprintln!("skipped: {} absent", samples.display());
        return;
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json" || x == "log"))
        .collect();
    files.sort();
    let docs: Vec<serde_json::Value> = names
        .iter()
        .map(|p| serde_norway::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect();
    let all = Rules::from_json(&serde_json::Value::Array(docs.clone()).to_string()).unwrap();
    // An independent reading of the simple rules (`condition: selection`, one map of plain
    // string values): every such rule fires on exactly the records the reading says.
    let simple: Vec<(String, Vec<(String, Vec<String>)>)> = docs
        .iter()
        .filter_map(|d| {
            let det = d["detection"].as_object()?;
            if det.len() != 2 || det.get("condition")? != "selection" {
                return None;
            }
            let sel = det.get("selection")?.as_object()?;
            let mut tests = Vec::new();
            for (k, v) in sel {
                let vals: Vec<String> = match v {
                    serde_json::Value::String(s) => vec![s.clone()],
                    serde_json::Value::Array(a) => a
                        .iter()
                        .map(|x| x.as_str().map(String::from))
                        .collect::<Option<_>>()?,
                    _ => return None,
                };
                if k.contains('|') || vals.iter().any(|v| v.contains(['*', '?', '\\'])) {
                    return None;
                }
                tests.push((k.clone(), vals));
            }
            Some((d["id"].as_str()?.to_string(), tests))
        })
        .collect();
    assert!(simple.len() >= 30, "{}", simple.len());
    eprintln!("| sample | records | rules fired (records) |\n|---|---|---|");
    let mut checked = 0;
    for f in &files {
        let Ok(log) = cloudfront_trail::transform_log(
            &std::fs::read(f).unwrap(),
            &Options {
                rules: all.clone(),
                ..Options::default()
            },
        ) else {
            continue;
        };
        let mut fired: std::collections::BTreeMap<String, usize> = Default::default();
        for rec in &log.records {
            let v: serde_json::Value = serde_json::from_str(rec).unwrap();
            let ids: Vec<String> = match &v["rule.id"] {
                serde_json::Value::String(s) => vec![s.clone()],
                serde_json::Value::Array(a) => a
                    .iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect(),
                _ => vec![],
            };
            let names: Vec<String> = match &v["rule.name"] {
                serde_json::Value::String(s) => vec![s.clone()],
                serde_json::Value::Array(a) => a
                    .iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect(),
                _ => vec![],
            };
            for n in names {
                *fired.entry(n).or_default() += 1;
            }
            for (id, tests) in &simple {
                let want = tests.iter().all(|(k, vals)| {
                    v[k.as_str()]
                        .as_str()
                        .is_some_and(|x| vals.iter().any(|w| w.eq_ignore_ascii_case(x)))
                });
                assert_eq!(
                    ids.contains(id),
                    want,
                    "rule {id} on a record of {}: {rec}",
                    f.display()
                );
                checked += 1;
            }
        }
        if f.file_name().is_some_and(|n| {
            n.to_string_lossy()
                .starts_with("datadog-stratus-red-team__")
        }) || !fired.is_empty()
        {
            eprintln!(
                "| {} | {} | {:?} |",
                f.file_name().unwrap().to_string_lossy(),
                log.records.len(),
                fired
            );
        }
    }
    assert!(checked > 0);
}
