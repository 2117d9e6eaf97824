//! Objects that vanished with neither a record nor an error entry: a CloudWatch Logs
//! DATA_MESSAGE whose logEvents is null, a string or an object; a CONTROL_MESSAGE (with its
//! logEvents); an object with two digest-like keys. Every object is now a record, an error entry
//! or a counted skip (`Summary::skipped`). Fixed in src/split.rs and src/input/unit.rs.

use cloudfront_trail::{Item, Options, Splitter};

fn counts(input: &str) -> (u64, u64, u64) {
    let mut sp = Splitter::new(Options::default()).unwrap();
    let (mut r, mut e) = (0, 0);
    let mut sink = |i: Item<'_>| match i {
        Item::Record(_) => r += 1,
        Item::Bad { .. } => e += 1,
    };
    sp.push(input.as_bytes(), &mut sink).unwrap();
    let s = sp.finish(&mut sink).unwrap();
    assert_eq!((s.records, s.errors), (r, e), "summary counts what went out");
    (s.records, s.errors, s.skipped)
}

const DATA: &str = r#""messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"]"#;

#[test]
fn every_object_is_a_record_an_error_entry_or_a_counted_skip() {
    for le in ["null", r#""text""#, r#"{"message":"{}"}"#, "1"] {
        assert_eq!(counts(&format!("{{{DATA},\"logEvents\":{le}}}")), (0, 1, 0), "logEvents {le}");
    }
    let control = r#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination"}]}"#;
    assert_eq!(counts(control), (0, 0, 1));
    assert_eq!(counts(&format!("{control}\n{control}\n")), (0, 0, 2));
    // Two digest-like keys without the rest of a digest file: a record like any other.
    assert_eq!(counts(r#"{"digestStartTime":"a","digestEndTime":"b","user":"x"}"#), (1, 0, 0));
    // A digest file is skipped, and counted.
    let digest = r#"{"awsAccountId":"1","digestStartTime":"a","digestEndTime":"b","digestS3Bucket":"b","logFiles":[]}"#;
    assert_eq!(counts(digest), (0, 0, 1));
}
