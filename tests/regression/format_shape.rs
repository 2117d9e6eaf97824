//! `format` described the records that survived, not the input: a Records file whose only
//! record is bad, NDJSON whose first line is bad, and text that is not JSON at all (an image, a
//! CSV) were reported as `empty` or `record`. Fixed in src/split.rs (`note_top_unit`).

use cloudfront_trail::{transform_log, Format, Options};

#[test]
fn format_comes_from_the_input_shape() {
    let f = |s: &[u8]| transform_log(s, &Options::default()).unwrap();
    let l = f(br#"{"Records":[{"eventName": NaN}]}"#);
    assert_eq!((l.format, l.records.len(), l.errors.len()), (Format::CloudTrail, 0, 1));
    let l = f(br#"{"x":1,"Records":[{"eventName": NaN}]}"#);
    assert_eq!((l.format, l.records.len(), l.errors.len()), (Format::CloudTrail, 0, 1));
    let l = f(b"{\"eventName\": NaN}\n{\"eventName\":\"B\"}\n");
    assert_eq!((l.format, l.records.len(), l.errors.len()), (Format::Ndjson, 1, 1));
    let l = f(b"{\"eventName\":\"A\"}\n{\"eventName\": NaN}\n");
    assert_eq!(l.format, Format::Ndjson);
    for not_json in [&b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"[..], b"eventName,eventTime\nA,2024\n", b"hello"] {
        let l = f(not_json);
        assert_eq!((l.format, l.records.len(), l.errors.len()), (Format::Unknown, 0, 1), "{not_json:?}");
        assert_eq!(l.format.as_str(), "unknown");
    }
    // Text before the records: the records decide.
    let l = f(b"garbage\n{\"eventName\":\"A\"}\n");
    assert_eq!((l.format, l.records.len()), (Format::Ndjson, 1));
}
