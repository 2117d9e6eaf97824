//! The Sigma evaluator (src/detect): each rule in tests/fixtures/sigma (written for this
//! repository) against records that must match and near-misses that must not; rules the engine
//! refuses; no panics on random rules and records; SigmaHQ's CloudTrail rules (extracted by
//! scripts/sigma-rules.mjs into target/sigma, skipped cleanly when no copy of SigmaHQ/sigma is at
//! hand): a generated must-match record and near-misses for every rule, each judged by the engine
//! and by an independent reading of the rule (mod reading), and the real samples.
#![cfg(not(target_arch = "wasm32"))]

use cloudfront_trail::{transform, Options, Rules};

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

// ---------------------------------------------------------------------------------------------
// SigmaHQ's CloudTrail rules: third-party content (Detection Rule License 1.1), never in git;
// scripts/sigma-rules.mjs extracts the commit pinned in scripts/sigma-rules.json into
// target/sigma, and these tests skip (saying so) when it cannot (no node, no copy of SigmaHQ/sigma).

use serde_json::Value;

struct Sigmahq {
    /// (file name, the rule's JSON form), sorted by file name: the rules the engine evaluates.
    rules: Vec<(String, Value)>,
    /// The CloudTrail rules SigmaHQ keeps under unsupported/ (aggregations, near).
    unsupported: Vec<(String, Value)>,
}

fn sigmahq() -> Option<&'static Sigmahq> {
    static ONCE: std::sync::OnceLock<Option<Sigmahq>> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let st = std::process::Command::new("node")
            .args(["scripts/sigma-rules.mjs", "--out", "target/sigma"])
            .status();
        match st {
            Ok(s) if s.success() => {}
            Ok(s) if s.code() == Some(3) => return None,
            Ok(s) => panic!("scripts/sigma-rules.mjs failed: {s}"),
            Err(_) => return None,
        }
        let read = |dir: &str| -> Vec<(String, Value)> {
            let mut v: Vec<(String, Value)> = std::fs::read_dir(format!("target/sigma/{dir}"))
                .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .filter(|p| p.extension().is_some_and(|x| x == "yml"))
                .map(|p| {
                    let text = std::fs::read_to_string(&p).unwrap();
                    let doc: Value = serde_norway::from_str(&text)
                        .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                    (p.file_name().unwrap().to_string_lossy().into_owned(), doc)
                })
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        Some(Sigmahq {
            rules: read("rules"),
            unsupported: read("unsupported"),
        })
    })
    .as_ref()
}

macro_rules! sigmahq_or_skip {
    () => {
        match sigmahq() {
            Some(s) => s,
            None => {
                eprintln!("skipped: SigmaHQ's rules are not at hand (node scripts/sigma-rules.mjs: set SIGMA_REPO to a clone of SigmaHQ/sigma)");
                return;
            }
        }
    };
}

fn compile_all(rules: &[(String, Value)]) -> Rules {
    let docs: Vec<Value> = rules.iter().map(|(_, d)| d.clone()).collect();
    Rules::from_json(&Value::Array(docs).to_string()).unwrap()
}

fn ids(r: &Rules, rec: &Value) -> Vec<String> {
    r.matches(rec.to_string().as_bytes()).into_iter().map(|d| d.id).collect()
}

/// An independent reading of a Sigma rule, written from the Sigma specification (conditions,
/// selections, modifiers) with regex-lite for the wildcards and `|re`; it shares no code with
/// src/detect. Objects at a field's path compare as their JSON text, as docs/DETECTIONS.md says
/// the engine does (SigmaHQ's `responseElements|contains: 'Failure'` relies on it).
mod reading {
    use regex_lite::Regex;
    use serde_json::{Map, Value};

    pub enum C {
        S(String),
        Not(Box<C>),
        And(Vec<C>),
        Or(Vec<C>),
        /// `1 of` (false) / `all of` (true) a name pattern or `them`.
        Of(bool, String),
    }

    pub fn parse(s: &str) -> C {
        let spaced = s.replace('(', " ( ").replace(')', " ) ");
        let t: Vec<&str> = spaced.split_whitespace().collect();
        let mut i = 0;
        let c = or(&t, &mut i);
        assert_eq!(i, t.len(), "condition {s:?}");
        c
    }
    fn or(t: &[&str], i: &mut usize) -> C {
        let mut v = vec![and(t, i)];
        while t.get(*i) == Some(&"or") {
            *i += 1;
            v.push(and(t, i));
        }
        if v.len() == 1 { v.pop().unwrap() } else { C::Or(v) }
    }
    fn and(t: &[&str], i: &mut usize) -> C {
        let mut v = vec![unary(t, i)];
        while t.get(*i) == Some(&"and") {
            *i += 1;
            v.push(unary(t, i));
        }
        if v.len() == 1 { v.pop().unwrap() } else { C::And(v) }
    }
    fn unary(t: &[&str], i: &mut usize) -> C {
        let w = t[*i];
        *i += 1;
        match w {
            "not" => C::Not(Box::new(unary(t, i))),
            "(" => {
                let c = or(t, i);
                assert_eq!(t[*i], ")");
                *i += 1;
                c
            }
            "1" | "any" | "all" if t.get(*i) == Some(&"of") => {
                *i += 2;
                C::Of(w == "all", t[*i - 1].to_string())
            }
            name => C::S(name.to_string()),
        }
    }

    /// The selection names of a detection block.
    pub fn names(det: &Map<String, Value>) -> Vec<String> {
        det.keys().filter(|k| *k != "condition").cloned().collect()
    }

    /// Evaluates `c` with `sel` saying whether each named selection holds.
    pub fn eval(c: &C, det: &Map<String, Value>, sel: &dyn Fn(&str) -> bool) -> bool {
        match c {
            C::S(n) => {
                assert!(det.contains_key(n), "unknown selection {n}");
                sel(n)
            }
            C::Not(x) => !eval(x, det, sel),
            C::And(v) => v.iter().all(|x| eval(x, det, sel)),
            C::Or(v) => v.iter().any(|x| eval(x, det, sel)),
            C::Of(all, pat) => {
                let re = Regex::new(&format!("^{}$", regex_lite::escape(pat).replace("\\*", ".*"))).unwrap();
                let picked: Vec<String> = names(det)
                    .into_iter()
                    .filter(|n| if pat == "them" { !n.starts_with('_') } else { re.is_match(n) })
                    .collect();
                assert!(!picked.is_empty(), "`of {pat}` picks nothing");
                if *all { picked.iter().all(|n| sel(n)) } else { picked.iter().any(|n| sel(n)) }
            }
        }
    }

    pub fn conditions(det: &Map<String, Value>) -> Vec<C> {
        match &det["condition"] {
            Value::String(s) => vec![parse(s)],
            Value::Array(a) => a.iter().map(|c| parse(c.as_str().unwrap())).collect(),
            c => panic!("condition {c}"),
        }
    }

    pub fn rule_matches(rule: &Value, rec: &Value) -> bool {
        let det = rule["detection"].as_object().unwrap();
        conditions(det).iter().any(|c| eval(c, det, &|n| selection(&det[n], rec)))
    }

    pub fn selection(v: &Value, rec: &Value) -> bool {
        match v {
            Value::Object(m) => m.iter().all(|(k, x)| field(k, x, rec)),
            Value::Array(a) => a.iter().any(|m| {
                assert!(m.is_object(), "keyword selection");
                selection(m, rec)
            }),
            x => panic!("selection {x}"),
        }
    }

    /// The values at a dotted path; arrays (on the way and at the end) stand for their elements.
    pub fn at<'a>(v: &'a Value, path: &str) -> Vec<&'a Value> {
        fn spread(v: &Value) -> Vec<&Value> {
            match v {
                Value::Array(a) => a.iter().flat_map(spread).collect(),
                x => vec![x],
            }
        }
        let mut cur = vec![v];
        for k in path.split('.') {
            cur = cur.into_iter().flat_map(spread).filter_map(|x| x.get(k)).collect();
        }
        cur.into_iter().flat_map(spread).collect()
    }

    fn text(v: &Value) -> Option<String> {
        match v {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            x => Some(x.to_string()),
        }
    }

    /// Sigma's wildcards as a regex body: `*` any run, `?` one character, `\` escaping them.
    pub fn glob(s: &str) -> String {
        let mut out = String::new();
        let mut it = s.chars().peekable();
        while let Some(c) = it.next() {
            match c {
                '\\' if matches!(it.peek(), Some('*' | '?' | '\\')) => {
                    out.push_str(&regex_lite::escape(&it.next().unwrap().to_string()))
                }
                '*' => out.push_str(".*"),
                '?' => out.push('.'),
                c => out.push_str(&regex_lite::escape(&c.to_string())),
            }
        }
        out
    }

    pub const KNOWN: &[&str] = &["contains", "startswith", "endswith", "all", "cased", "re", "i", "m", "s", "exists", "fieldref", "cidr"];

    fn field(key: &str, v: &Value, rec: &Value) -> bool {
        let mut parts = key.split('|');
        let path = parts.next().unwrap();
        let mods: Vec<&str> = parts.collect();
        for m in &mods {
            assert!(KNOWN.contains(m), "the reading does not know `|{m}`");
        }
        let has = |m: &str| mods.contains(&m);
        let found = at(rec, path);
        let wanted: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            x => vec![x],
        };
        let one = |w: &&Value| -> bool {
            if w.is_null() {
                return found.iter().all(|f| f.is_null());
            }
            if has("exists") {
                return !found.is_empty() == w.as_bool().unwrap();
            }
            let wt = text(w).unwrap();
            if has("fieldref") {
                let other = at(rec, &wt);
                return found.iter().filter_map(|f| text(f)).any(|t| other.iter().any(|o| text(o).as_deref() == Some(&t)));
            }
            if has("cidr") {
                let (net, bits) = wt.split_once('/').unwrap();
                let (net, bits): (std::net::Ipv4Addr, u32) = (net.parse().unwrap(), bits.parse().unwrap());
                let mask = if bits == 0 { 0 } else { !0u32 << (32 - bits) };
                return found.iter().filter_map(|f| f.as_str()?.parse::<std::net::Ipv4Addr>().ok()).any(|ip| u32::from(ip) & mask == u32::from(net) & mask);
            }
            let re = if has("re") {
                let flags: String = ["i", "m", "s"].iter().filter(|f| has(f)).copied().collect();
                let flags = if flags.is_empty() { String::new() } else { format!("(?{flags})") };
                Regex::new(&format!("{flags}{wt}")).unwrap()
            } else {
                let (pre, post) = if has("contains") {
                    (".*", ".*")
                } else if has("startswith") {
                    ("", ".*")
                } else if has("endswith") {
                    (".*", "")
                } else {
                    ("", "")
                };
                let ci = if has("cased") { "" } else { "i" };
                Regex::new(&format!("(?s{ci})^{pre}{}{post}$", glob(&wt))).unwrap()
            };
            found.iter().filter_map(|f| text(f)).any(|t| re.is_match(&t))
        };
        if has("all") { wanted.iter().all(one) } else { wanted.iter().any(one) }
    }
}

/// Records built from a rule's own detection block: values that satisfy a field test (its
/// modifiers), and the one-value mutations that should break it.
mod generate {
    use super::reading;
    use serde_json::{json, Value};

    pub fn set(rec: &mut Value, path: &str, v: Value) {
        let mut cur = rec;
        let keys: Vec<&str> = path.split('.').collect();
        for k in &keys[..keys.len() - 1] {
            if !cur.get(*k).is_some_and(Value::is_object) {
                cur[*k] = json!({});
            }
            cur = &mut cur[*k];
        }
        cur[keys[keys.len() - 1]] = v;
    }

    pub fn remove(rec: &mut Value, path: &str) {
        let keys: Vec<&str> = path.split('.').collect();
        let mut cur = rec;
        for k in &keys[..keys.len() - 1] {
            match cur.get_mut(*k) {
                Some(x) => cur = x,
                None => return,
            }
        }
        if let Some(m) = cur.as_object_mut() {
            m.remove(keys[keys.len() - 1]);
        }
    }

    /// A text Sigma's wildcard pattern matches (`*` → nothing, `?` → `x`).
    fn unglob(s: &str) -> String {
        let mut out = String::new();
        let mut it = s.chars().peekable();
        while let Some(c) = it.next() {
            match c {
                '\\' if matches!(it.peek(), Some('*' | '?' | '\\')) => out.push(it.next().unwrap()),
                '*' => {}
                '?' => out.push('x'),
                c => out.push(c),
            }
        }
        out
    }

    /// A text the regex matches, for the plain regexes rules use (literals, `.`, `\x`, `+ * ?`).
    fn sample_re(re: &str) -> String {
        let mut out = String::new();
        let mut it = re.chars().peekable();
        while let Some(c) = it.next() {
            let piece = match c {
                '^' | '$' => continue,
                '\\' => it.next().unwrap().to_string(),
                '.' => "x".to_string(),
                c if "[](){}|".contains(c) => panic!("sample_re: {re:?} needs a generator for {c:?}"),
                c => c.to_string(),
            };
            match it.peek() {
                Some('*') | Some('?') => {
                    it.next();
                }
                Some('+') => {
                    it.next();
                    out.push_str(&piece);
                }
                _ => out.push_str(&piece),
            }
        }
        out
    }

    fn parts(key: &str) -> (&str, Vec<&str>) {
        let mut p = key.split('|');
        (p.next().unwrap(), p.collect())
    }

    fn values(v: &Value) -> Vec<&Value> {
        match v {
            Value::Array(a) => a.iter().collect(),
            x => vec![x],
        }
    }

    fn as_text(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            x => x.to_string(),
        }
    }

    /// Writes into `rec` a value at the test's path that satisfies it.
    pub fn satisfy(key: &str, v: &Value, rec: &mut Value) {
        let (path, mods) = parts(key);
        let has = |m: &str| mods.contains(&m);
        let vals = values(v);
        if has("exists") {
            if vals[0] == &Value::Bool(true) {
                set(rec, path, json!("exists"));
            }
            return;
        }
        if has("fieldref") {
            let other = as_text(vals[0]);
            let val = reading::at(rec, &other).first().map(|x| (*x).clone()).unwrap_or_else(|| {
                set(rec, &other, json!("same-value"));
                json!("same-value")
            });
            set(rec, path, val);
            return;
        }
        let picked: Vec<&Value> = if has("all") {
            vals.clone()
        } else {
            match vals.iter().find(|x| !x.is_null()) {
                Some(x) => vec![*x],
                // Only null: the field absent.
                None => return,
            }
        };
        if has("re") {
            set(rec, path, json!(sample_re(&as_text(picked[0]))));
            return;
        }
        if has("cidr") {
            set(rec, path, json!(as_text(picked[0]).split('/').next().unwrap()));
            return;
        }
        let texts: Vec<String> = picked.iter().map(|x| unglob(&as_text(x))).collect();
        let out = if has("contains") {
            json!(format!("pre-{}-post", texts.join("-")))
        } else if has("startswith") {
            json!(format!("{}-tail", texts.join("")))
        } else if has("endswith") {
            json!(format!("head-{}", texts.join("")))
        } else if picked.len() == 1 && !picked[0].is_string() {
            // Numbers and booleans stay JSON numbers and booleans, as CloudTrail writes them.
            picked[0].clone()
        } else {
            json!(texts[0])
        };
        set(rec, path, out);
    }

    /// Copies of `rec` with the test's value changed the least that should break it.
    pub fn mutations(key: &str, v: &Value, rec: &Value) -> Vec<Value> {
        let (path, mods) = parts(key);
        let has = |m: &str| mods.contains(&m);
        let mut out = Vec::new();
        let mut with = |f: &dyn Fn(&mut Value)| {
            let mut r = rec.clone();
            f(&mut r);
            out.push(r);
        };
        let vals = values(v);
        let cur = reading::at(rec, path).first().map(|x| as_text(x));
        if has("exists") {
            with(&|r| remove(r, path));
        } else if vals.iter().all(|x| x.is_null()) {
            with(&|r| set(r, path, json!("not-null")));
        } else if let Some(t) = cur {
            if has("contains") {
                // The needle with its middle character dropped.
                let needle = unglob(&as_text(vals.iter().find(|x| !x.is_null()).unwrap()));
                if needle.chars().count() > 1 {
                    let mid = needle.char_indices().nth(needle.chars().count() / 2).unwrap().0;
                    let broken = format!("{}{}", &needle[..mid], &needle[mid + needle[mid..].chars().next().unwrap().len_utf8()..]);
                    let t2 = t.to_ascii_lowercase().replace(&needle.to_ascii_lowercase(), &broken);
                    with(&|r| set(r, path, json!(t2.clone())));
                }
            } else if has("startswith") || has("re") {
                with(&|r| set(r, path, json!(format!("X{t}"))));
            } else {
                with(&|r| set(r, path, json!(format!("{t}X"))));
            }
            // The value gone altogether.
            with(&|r| remove(r, path));
        }
        out
    }
}

/// The manifest (scripts/sigma-rules.json, our own metadata: commit, ids, titles, flags) agrees
/// with the extracted rules and with the engine: a rule flagged supported compiles, one flagged
/// not supported is refused for the reason given.
#[test]
fn sigmahq_manifest_agrees_with_the_engine() {
    let s = sigmahq_or_skip!();
    let m: Value = serde_json::from_str(&std::fs::read_to_string("scripts/sigma-rules.json").unwrap()).unwrap();
    let entries = m["rules"].as_array().unwrap();
    let index: Value = serde_json::from_str(&std::fs::read_to_string("target/sigma/index.json").unwrap()).unwrap();
    assert_eq!(index["commit"], m["commit"]);
    assert_eq!(entries.len(), s.rules.len() + s.unsupported.len());
    for e in entries {
        let base = e["file"].as_str().unwrap().rsplit('/').next().unwrap();
        let supported = e["supported"].as_bool().unwrap();
        let list = if supported { &s.rules } else { &s.unsupported };
        let (_, doc) = list.iter().find(|(f, _)| f == base).unwrap_or_else(|| panic!("{base} not extracted"));
        assert_eq!(doc["id"], e["id"]);
        assert_eq!(doc["title"], e["title"]);
        match Rules::from_json(&doc.to_string()) {
            Ok(r) => assert!(supported && r.len() == 1, "{base}: compiles, but the manifest says {e}"),
            Err(err) => {
                assert!(!supported, "{base}: {err}");
                let why = e["reason"].as_str().unwrap();
                let key = why.split(':').next().unwrap().split(' ').next().unwrap();
                assert!(err.to_string().contains(key), "{base}: the engine says {err}, the manifest {why}");
            }
        }
    }
    eprintln!(
        "SigmaHQ CloudTrail rules at {}: {} supported, {} not supported",
        m["commit"], s.rules.len(), s.unsupported.len()
    );
    assert!(s.rules.len() >= 50);
}

/// Every shipped rule: a record built from its own detection block must fire it (engine and
/// reading), and the near-misses (one required value changed or gone) that the reading says
/// break it must not fire it; every record is also judged against all rules at once (the index),
/// the engine's matches equal to the rules the reading says match.
#[test]
fn sigmahq_generated_matches_and_near_misses() {
    use serde_json::json;
    let s = sigmahq_or_skip!();
    let all = compile_all(&s.rules);
    let (mut records, mut near) = (0, 0);
    for (file, rule) in &s.rules {
        let id = rule["id"].as_str().unwrap();
        let det = rule["detection"].as_object().unwrap();
        let names = reading::names(det);
        let conds = reading::conditions(det);
        let one = Rules::from_json(&rule.to_string()).unwrap();
        // Truth assignments of the selections, fewest true first, that satisfy a condition.
        let mut masks: Vec<u32> = (0..1u32 << names.len()).collect();
        masks.sort_by_key(|m| m.count_ones());
        let mut found = None;
        for mask in masks {
            let truth = |n: &str| mask >> names.iter().position(|x| x == n).unwrap() & 1 == 1;
            if !conds.iter().any(|c| reading::eval(c, det, &truth)) {
                continue;
            }
            let mut rec = json!({"eventVersion": "1.09"});
            for (i, n) in names.iter().enumerate() {
                if mask >> i & 1 == 1 {
                    let alt = match &det[n] {
                        Value::Array(a) => a[0].clone(),
                        x => x.clone(),
                    };
                    for (k, v) in alt.as_object().unwrap() {
                        generate::satisfy(k, v, &mut rec);
                    }
                }
            }
            if reading::rule_matches(rule, &rec) {
                found = Some((mask, rec));
                break;
            }
        }
        let (mask, rec) = found.unwrap_or_else(|| panic!("{file}: no record could be built that the reading says matches"));
        let judge = |r: &Value| {
            let want = reading::rule_matches(rule, r);
            assert_eq!(!one.matches(r.to_string().as_bytes()).is_empty(), want, "{file} on {r}");
            let mut expect: Vec<String> = s.rules.iter().filter(|(_, d)| reading::rule_matches(d, r)).map(|(_, d)| d["id"].as_str().unwrap().to_string()).collect();
            let mut got = ids(&all, r);
            expect.sort();
            got.sort();
            assert_eq!(got, expect, "all rules on {r}");
            want
        };
        assert!(judge(&rec), "{file}: the engine misses {rec}");
        // Through the whole transform too: the flat profile names the rule.
        let out: Value = serde_json::from_str(&transform(rec.to_string().as_bytes(), &Options { rules: all.clone(), ..Options::default() }).unwrap()).unwrap();
        assert!(out["rule.id"] == id || out["rule.id"].as_array().is_some_and(|a| a.iter().any(|x| x == id)), "{file}: {out}");
        records += 1;
        // Other alternatives of list selections: judged alike (match or not as the reading says).
        let mut near_here = 0;
        for (i, n) in names.iter().enumerate() {
            let alts: Vec<Value> = match &det[n] {
                Value::Array(a) => a.clone(),
                x => vec![x.clone()],
            };
            if mask >> i & 1 == 1 {
                for alt in &alts[1..] {
                    let mut r = rec.clone();
                    for (k, v) in alt.as_object().unwrap() {
                        generate::satisfy(k, v, &mut r);
                    }
                    judge(&r);
                    records += 1;
                }
                // Near-misses: each value of the alternative the record satisfies, changed.
                for (k, v) in alts[0].as_object().unwrap() {
                    for m in generate::mutations(k, v, &rec) {
                        if !judge(&m) {
                            near_here += 1;
                        }
                        records += 1;
                    }
                }
            } else {
                // A selection the record leaves false (a filter, most often), made true.
                for alt in &alts {
                    let mut r = rec.clone();
                    for (k, v) in alt.as_object().unwrap() {
                        generate::satisfy(k, v, &mut r);
                    }
                    if !judge(&r) {
                        near_here += 1;
                    }
                    records += 1;
                }
            }
        }
        assert!(near_here > 0, "{file}: no near-miss");
        near += near_here;
    }
    eprintln!("{} rules: {records} generated records judged ({near} near-misses)", s.rules.len());
}

/// The records of a sample file, as the test reads them itself (an array, `{"Records": [...]}`,
/// or one JSON record a line).
fn sample_records(text: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(a)) => a,
        Ok(v) if v["Records"].is_array() => v["Records"].as_array().unwrap().clone(),
        Ok(v @ Value::Object(_)) => vec![v],
        _ => text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).filter(Value::is_object).collect(),
    }
}

/// Real logs (../shared/samples, skipped when absent): on every record the engine fires exactly
/// the rules the reading says; the Stratus Red Team detonations fire the rules written for their
/// technique; and the table of what fired where (for docs/DETECTIONS.md) is printed.
#[test]
fn sigmahq_on_real_samples() {
    let s = sigmahq_or_skip!();
    let all = compile_all(&s.rules);
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["../shared/samples/real", "../shared/samples/bulk/invictus-ir-aws_dataset"] {
        if let Ok(d) = std::fs::read_dir(dir) {
            files.extend(d.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json" || x == "log")));
        }
    }
    if files.is_empty() {
        eprintln!("skipped: ../shared/samples absent");
        return;
    }
    files.sort();
    let title = |id: &str| s.rules.iter().find(|(_, d)| d["id"] == id).map(|(_, d)| d["title"].as_str().unwrap().to_string()).unwrap();
    let mut fired_by_file: Vec<(String, usize, std::collections::BTreeMap<String, usize>)> = Vec::new();
    let mut checked = 0;
    // (Stratus technique, whether the record came from it, eventName, rule ids fired) per record.
    let mut seen: Vec<(bool, String, Vec<String>, String)> = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let recs = sample_records(&text);
        let mut fired = std::collections::BTreeMap::new();
        let stratus_file = f.to_string_lossy().contains("stratus-red-team__");
        for r in &recs {
            let mut got = ids(&all, r);
            let stratus = stratus_file || r["userAgent"].as_str().is_some_and(|u| u.contains("stratus-red-team"));
            seen.push((stratus, r["eventName"].as_str().unwrap_or("").to_string(), got.clone(), r["errorCode"].as_str().unwrap_or("").to_string()));
            let mut want: Vec<String> = s.rules.iter().filter(|(_, d)| reading::rule_matches(d, r)).map(|(_, d)| d["id"].as_str().unwrap().to_string()).collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "{}: {r}", f.display());
            for id in got {
                *fired.entry(title(&id)).or_insert(0) += 1;
            }
            checked += 1;
        }
        // The product's path (transform_log, flat profile) fires on as many records.
        if let Ok(log) = cloudfront_trail::transform_log(text.as_bytes(), &Options { rules: all.clone(), ..Options::default() }) {
            if log.records.len() == recs.len() {
                let n = log.records.iter().filter(|x| x.contains("\"rule.id\"")).count();
                let m = recs.iter().filter(|r| !ids(&all, r).is_empty()).count();
                assert_eq!(n, m, "{}", f.display());
            }
        }
        fired_by_file.push((f.file_name().unwrap().to_string_lossy().into_owned(), recs.len(), fired));
    }
    assert!(checked > 100, "{checked}");
    // True positives: each Stratus Red Team technique detonated in the samples (its own records,
    // told by Stratus's user agent or by the detonation file), the API call that is the attack,
    // and the SigmaHQ rule written for it (None: SigmaHQ has no CloudTrail rule for it).
    const TECHNIQUES: &[(&str, &str, Option<&str>)] = &[
        ("aws.defense-evasion.cloudtrail-stop", "StopLogging", Some("4db60cc0-36fb-42b7-9b58-a5b53019fb74")),
        ("aws.defense-evasion.cloudtrail-delete", "DeleteTrail", Some("4db60cc0-36fb-42b7-9b58-a5b53019fb74")),
        ("aws.defense-evasion.vpc-remove-flow-logs", "DeleteFlowLogs", Some("e386b9b5-af12-450e-afff-761730fb8a98")),
        ("aws.exfiltration.ec2-share-ebs-snapshot", "ModifySnapshotAttribute", Some("abae8fec-57bd-4f87-aff6-6e3db989843d")),
        ("aws.exfiltration.ec2-security-group-open-port-22-ingress", "AuthorizeSecurityGroupIngress", Some("6fb77778-040f-4015-9440-572aa9b6b580")),
        ("aws.persistence.iam-backdoor-user", "CreateAccessKey", Some("0a5177f4-6ca9-44c2-aacf-d3f3d8b6e4d2")),
        ("aws.credential-access.ec2-get-password-data", "GetPasswordData", None),
        ("aws.persistence.lambda-backdoor-function", "AddPermission20150331v2", None),
        ("aws.persistence.sts-federation-token", "GetFederationToken", None),
        ("aws.defense-evasion.cloudtrail-event-selectors", "PutEventSelectors", None),
    ];
    eprintln!("\n| Stratus technique | API call | records (errors) | SigmaHQ rule | fired on |\n|---|---|---|---|---|");
    for (tech, call, rule) in TECHNIQUES {
        let recs: Vec<_> = seen.iter().filter(|(st, n, _, _)| *st && n == call).collect();
        let errors = recs.iter().filter(|(_, _, _, e)| !e.is_empty()).count();
        let (name, fired) = match rule {
            Some(id) => {
                let fired = recs.iter().filter(|(_, _, got, _)| got.iter().any(|g| g == id)).count();
                // The rule written for the technique fires on every record of it.
                assert!(recs.is_empty() || fired == recs.len(), "{tech}: {id} fired on {fired} of {}", recs.len());
                (title(id), format!("{fired}"))
            }
            None => {
                // No rule names this call: none fires for its own sake (broad identity rules aside).
                (String::from("none in SigmaHQ"), String::from("-"))
            }
        };
        if !recs.is_empty() {
            eprintln!("| {tech} | {call} | {} ({errors}) | {name} | {fired} |", recs.len());
        }
    }
    // Everything else that fired, by rule and call (for judging: docs/DETECTIONS.md).
    let mut other: std::collections::BTreeMap<(String, String, bool), usize> = Default::default();
    for (st, n, got, _) in &seen {
        for id in got {
            *other.entry((title(id), n.clone(), *st)).or_default() += 1;
        }
    }
    eprintln!("\n| rule | API call | Stratus record | records |\n|---|---|---|---|");
    for ((t, n, st), c) in &other {
        eprintln!("| {t} | {n} | {st} | {c} |");
    }
    eprintln!("| sample | records | rules fired (records) |\n|---|---|---|");
    for (f, n, fired) in &fired_by_file {
        eprintln!("| {f} | {n} | {} |", if fired.is_empty() { "none".to_string() } else { fired.iter().map(|(t, c)| format!("{t} ({c})")).collect::<Vec<_>>().join("; ") });
    }
}

/// ECS and OCSF carry the matches too: ECS `rule.*`, `event.risk_score` (the highest level) and
/// `threat.*` (sub-techniques apart); OCSF one `sigma` enrichment per rule, with OCSF Attack
/// objects; nothing at all when no rule matches.
#[test]
fn nested_profiles_write_rule_keys() {
    let a = std::fs::read_to_string("tests/fixtures/sigma/list_of_maps.yml").unwrap();
    let b = std::fs::read_to_string("tests/fixtures/sigma/condition_list.yml").unwrap();
    let rules: Rules = serde_norway::from_str(&format!("- {}\n- {}", indent(&a), indent(&b))).unwrap();
    let rec = br#"{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","eventName":"StopLogging","eventSource":"cloudtrail.amazonaws.com","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a","accountId":"1"}}"#;
    let opts = |profile: &str| Options::from_json(&format!("{{\"profile\":\"{profile}\"}}")).map(|o| Options { rules: rules.clone(), ..o }).unwrap();
    let ecs: serde_json::Value = serde_json::from_str(&transform(rec, &opts("ecs")).unwrap()).unwrap();
    assert_eq!(ecs["rule"]["id"], serde_json::json!(["fixture-list-of-maps"]), "{ecs}");
    assert_eq!(ecs["rule"]["name"], serde_json::json!(["Fixture list of maps"]));
    assert_eq!(ecs["event"]["risk_score"], 47);
    assert_eq!(ecs["threat"]["framework"], "MITRE ATT&CK");
    assert_eq!(ecs["threat"]["technique"]["id"], serde_json::json!(["T1562"]));
    assert_eq!(ecs["threat"]["technique"]["subtechnique"]["id"], serde_json::json!(["T1562.001"]));
    let ocsf: serde_json::Value = serde_json::from_str(&transform(rec, &opts("ocsf")).unwrap()).unwrap();
    let e = ocsf["enrichments"].as_array().unwrap().iter().find(|e| e["type"] == "sigma").unwrap_or_else(|| panic!("{ocsf}"));
    assert_eq!(e["name"], "api.operation");
    assert_eq!(e["value"], "StopLogging");
    assert_eq!(e["data"]["rule"]["uid"], "fixture-list-of-maps");
    assert_eq!(e["data"]["rule"]["level"], "medium");
    assert_eq!(e["data"]["attacks"][0]["technique"]["uid"], "T1562");
    assert_eq!(e["data"]["attacks"][0]["sub_technique"]["uid"], "T1562.001");
    // No match: no trace.
    let miss = br#"{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","eventName":"CreateTrail","eventSource":"cloudtrail.amazonaws.com","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a","accountId":"1"}}"#;
    for p in ["ecs", "ocsf"] {
        let out = transform(miss, &opts(p)).unwrap();
        assert!(!out.contains("\"rule\"") && !out.contains("sigma") && !out.contains("threat"), "{p}: {out}");
    }
}
