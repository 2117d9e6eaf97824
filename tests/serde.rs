//! The serde face (feature `serde`): the options' Deserialize/Serialize, and `transform_value` /
//! `transform_log_values` giving what the text API gives, as values, on every file in
//! tests/fixtures and in every profile.
#![cfg(all(not(target_arch = "wasm32"), feature = "serde"))] // native suite; the wasm one is tests/wasm.rs

use std::path::{Path, PathBuf};

use cloudfront_trail::{transform, transform_log, transform_log_values, transform_value, Format, Options, Profile};
use serde_json::Value;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"), &mut out);
    out.sort();
    assert!(out.len() > 20, "tests/fixtures: {} files", out.len());
    out
}

fn profiles() -> Vec<Options> {
    let mut v = Vec::new();
    for profile in [Profile::Flat, Profile::Ecs, Profile::Ocsf] {
        for enrich in [true, false] {
            v.push(Options { profile, enrich, ..Options::default() });
        }
    }
    v
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn log_values_equal_the_text_api_on_every_fixture() {
    let mut records = 0;
    for path in fixtures() {
        let bytes = std::fs::read(&path).unwrap();
        for o in profiles() {
            let what = format!("{} {:?} enrich={}", path.display(), o.profile, o.enrich);
            let (text, values) = (transform_log(&bytes, &o), transform_log_values(&bytes, &o));
            let (text, values) = match (text, values) {
                (Ok(t), Ok(v)) => (t, v),
                (Err(a), Err(b)) => {
                    assert_eq!(a, b, "{what}");
                    continue;
                }
                (a, b) => panic!("{what}: {a:?} / {b:?}"),
            };
            assert_eq!((values.format, values.gzip), (text.format, text.gzip), "{what}");
            assert_eq!(values.records, text.records.iter().map(|r| parse(r)).collect::<Vec<_>>(), "{what}");
            assert_eq!(values.errors, text.errors, "{what}");
            records += text.records.len();
        }
    }
    assert!(records > 100, "{records} records compared");
}

/// Every record of every fixture, as a value: transform_value gives the text API's document for
/// the text the value stands for (its compact JSON: `event.original` in an error entry holds the
/// text, which a value does not keep as it was written).
#[test]
fn transform_value_equals_the_text_api_on_every_fixture_record() {
    let mut n = 0;
    for path in fixtures() {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        // A whole-file record, or one per line (NDJSON fixtures).
        let whole: Option<Value> = serde_json::from_str(&text).ok();
        let candidates: Vec<&str> = match &whole {
            Some(Value::Object(_)) => vec![text.as_str()],
            Some(Value::Array(_)) | None => text.lines().collect(),
            Some(_) => vec![],
        };
        for rec in candidates {
            let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(rec) else { continue };
            for o in profiles() {
                let want = transform(v.to_string().as_bytes(), &o).map(|t| parse(&t));
                assert_eq!(transform_value(&v, &o), want, "{} {:?} enrich={}", path.display(), o.profile, o.enrich);
                n += 1;
            }
        }
    }
    assert!(n > 100, "{n} records compared");
    // Not an object: the text API's error.
    let o = Options::default();
    assert_eq!(transform_value(&Value::from(1), &o), transform(b"1", &o).map(|t| parse(&t)));
}

#[test]
fn options_round_trip_through_serde() {
    let o = Options::from_json(r#"{"profile":"ocsf","enrich":false,"arrays":"index","separator":"/","maxDepth":3,"salvage":true}"#).unwrap();
    let v = serde_json::to_value(&o).unwrap();
    assert_eq!(v["profile"], "ocsf");
    assert_eq!(v["arrays"], "index");
    assert_eq!(v["separator"], "/");
    assert_eq!(v["maxDepth"], 3);
    // Every field is written under the name from_json reads.
    assert_eq!(Options::from_json(&v.to_string()).unwrap(), o);
    assert_eq!(serde_json::from_value::<Options>(v).unwrap(), o);
    assert!(serde_json::from_value::<Options>(serde_json::json!({"maxDepht": 3})).is_err());
}

#[test]
fn results_serialise_as_the_js_api_names_them() {
    let log = transform_log(b"{\"eventName\":\"A\"}\n{\"eventName\":\n", &Options::default()).unwrap();
    let v = serde_json::to_value(&log).unwrap();
    assert_eq!(v["format"], "ndjson");
    assert_eq!(v["gzip"], false);
    assert_eq!(v["records"].as_array().map(Vec::len), Some(1));
    let e = &v["errors"][0];
    assert_eq!(e["error"]["kind"], "syntax");
    assert_eq!(e["error"]["line"], 2);
    assert!(e["error"]["message"].as_str().is_some_and(|m| m.contains("line 2")), "{e}");
    assert_eq!(e["original"], "{\"eventName\":\n");
    for f in [Format::CloudTrail, Format::CloudWatchLogs, Format::Unknown] {
        assert_eq!(serde_json::from_value::<Format>(serde_json::to_value(f).unwrap()).unwrap(), f);
    }
}
