//! Every record of the shared sample data (../shared/samples: the CloudFront documentation's
//! example and real public CloudTrail files, see its README and real/SOURCES.md) goes through
//! the core: record and error counts as those documents describe them, no enrichment errors,
//! and with enrichment off an exact round trip through `unflatten`.
//!
//! The samples live outside the repository; on a clone without them the test prints a note and
//! checks nothing.

use std::path::{Path, PathBuf};

use cloudfront_trail::{transform_log, unflatten, Options};
use serde_json::Value;

fn samples_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    if dir.join("seed").is_dir() {
        Some(dir)
    } else {
        eprintln!("note: {} not found; sample tests skipped (nothing checked)", dir.display());
        None
    }
}

/// (file under samples/, readable records, unreadable entries) as the sample documentation
/// describes each file. `None` errors: the file is not a log, only its records are counted.
const EXPECTED: &[(&str, usize, Option<usize>)] = &[
    // README: the published example is not valid JSON; a reader recovers 4 records and
    // reports the first as an error entry. The repaired copy has all 5.
    ("seed/cloudfront-doc-example.raw.txt", 4, Some(1)),
    ("seed/cloudfront-doc-example.json", 5, Some(0)),
    // A markdown page whose fenced block is the same broken log: its 4 good records come out,
    // the prose and the broken record are error entries.
    ("real/awsdocs-amazon-cloudfront-developer-guide__logging_using_cloudtrail.md", 4, None),
    // A StreamAlert test case: an array holding one (non-CloudTrail) object.
    ("real/airbnb-streamalert__cloudwatch_cloudtrail.json", 1, Some(0)),
    ("real/datadog-stratus-red-team__aws.credential-access.ec2-get-password-data.json", 34, Some(0)),
    ("real/datadog-stratus-red-team__aws.persistence.lambda-backdoor-function.json", 1, Some(0)),
    ("real/datadog-stratus-red-team__aws.persistence.sts-federation-token.json", 2, Some(0)),
    // A digest file holds no event records.
    ("real/elastic-beats__cloudtrail-digest-json.log", 0, Some(0)),
    ("real/elastic-beats__cloudtrail-insight-json.log", 1, Some(0)),
    ("real/elastic-integrations__cloudtrail-test-assume-role-aws-service-json.log", 1, Some(0)),
    ("real/elastic-integrations__cloudtrail-test-console-login-json.log", 3, Some(0)),
    ("real/elastic-integrations__cloudtrail-test-tls-details-json.log", 3, Some(0)),
    ("real/elastic-integrations__cloudtrail-test-user-authentication.log", 1, Some(0)),
    ("real/invictus-ir-aws_dataset__218007301253_CloudTrail_us-east-1_20230710T1210Z_vj0QE0Tf5ZmzMsCo.json", 149, Some(0)),
];

/// The records of a valid-JSON sample as serde_json reads them, independently of the core.
fn original_records(dir: &Path, file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join(file)).expect("sample is UTF-8");
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        return match v {
            Value::Array(items) => items,
            Value::Object(ref m) if m.contains_key("Records") => m["Records"].as_array().cloned().unwrap_or_default(),
            // A digest is one object with no event records.
            Value::Object(ref m) if m.contains_key("digestStartTime") => Vec::new(),
            other => vec![other],
        };
    }
    // NDJSON: one record per non-blank line.
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).expect("NDJSON line")).collect()
}

/// What the records of `file` should be. For the two copies of the broken CloudFront example,
/// each record is read on its own with serde_json (from the `{` before each `"eventVersion"`);
/// the broken one fails to parse and is left out, as the core reports it as an error entry.
fn expected_records(dir: &Path, file: &str) -> Vec<Value> {
    if !(file.ends_with(".raw.txt") || file.ends_with(".md")) {
        return original_records(dir, file);
    }
    let text = std::fs::read_to_string(dir.join(file)).expect("sample is UTF-8");
    let mut out = Vec::new();
    for (at, _) in text.match_indices("\"eventVersion\"") {
        let Some(start) = text[..at].rfind('{') else { continue };
        let mut values = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
        if let Some(Ok(v)) = values.next() {
            out.push(v);
        }
    }
    out
}

#[test]
fn every_sample_file_is_listed() {
    let Some(dir) = samples_dir() else { return };
    for sub in ["seed", "real"] {
        for entry in std::fs::read_dir(dir.join(sub)).expect("read samples") {
            let name = format!("{sub}/{}", entry.expect("entry").file_name().to_string_lossy());
            if name == "real/SOURCES.md" {
                continue;
            }
            assert!(EXPECTED.iter().any(|(f, _, _)| *f == name), "{name} is not in EXPECTED: add its documented counts");
        }
    }
}

#[test]
fn samples_read_with_documented_counts_and_no_enrich_errors() {
    let Some(dir) = samples_dir() else { return };
    let mut total = 0;
    for (file, records, errors) in EXPECTED {
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let log = transform_log(&bytes, &Options::default()).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(log.records.len(), *records, "{file}: records");
        match errors {
            Some(n) => assert_eq!(log.errors.len(), *n, "{file}: error entries"),
            None => assert!(!log.errors.is_empty(), "{file}: a non-log file should give error entries"),
        }
        for rec in &log.records {
            let v: Value = serde_json::from_str(rec).unwrap_or_else(|e| panic!("{file}: output is not JSON: {e}"));
            assert!(v.get("enrich.errors").is_none(), "{file}: enrich errors: {}", v["enrich.errors"]);
            // A record is enriched; an object that is not CloudTrail (the StreamAlert wrapper)
            // is marked instead.
            let not_cloudtrail = file.contains("airbnb-streamalert");
            if not_cloudtrail {
                assert_eq!(v["error.type"], "not_cloudtrail", "{file}: marked");
            } else {
                assert_eq!(v["cloud.provider"], "aws", "{file}: enrichment ran");
            }
        }
        total += log.records.len();
    }
    eprintln!("{total} sample records enriched");
}

#[test]
fn samples_round_trip_losslessly_without_enrichment() {
    let Some(dir) = samples_dir() else { return };
    let opts = Options { enrich: false, ..Options::default() };
    for (file, _, _) in EXPECTED {
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let log = transform_log(&bytes, &opts).unwrap_or_else(|e| panic!("{file}: {e}"));
        let want = expected_records(&dir, file);
        assert_eq!(log.records.len(), want.len(), "{file}: records");
        for (n, (flat, want)) in log.records.iter().zip(&want).enumerate() {
            let nested = unflatten(flat.as_bytes(), &opts).unwrap_or_else(|e| panic!("{file} #{n}: unflatten: {e}"));
            let got: Value = serde_json::from_str(&nested).expect("unflatten writes JSON");
            assert_eq!(&got, want, "{file} #{n}: round trip differs");
            // Key order and number text too (preserve_order + arbitrary_precision).
            assert_eq!(serde_json::to_string(&got).unwrap(), serde_json::to_string(want).unwrap(), "{file} #{n}: order or number text differs");
        }
    }
}
