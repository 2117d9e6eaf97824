//! Keys with a lone surrogate escape (`"\ud800"`: valid JSON, and a JavaScript string can hold
//! it) were decoded to U+FFFD, so `{"\ud800":1,"\ufffd":2}` flattened to one key and lost a
//! value; `unflatten` had the same fold. Found by the transform(object) parity tests
//! (tests/js/transform-object.test.mjs). Fixed in src/json.rs (`unescape_wtf8`),
//! src/flatten.rs and src/unflatten.rs: the escape stays itself.

use cloudfront_trail::{transform, unflatten, Options};

#[test]
fn lone_surrogate_keys_stay_apart_and_round_trip() {
    let o = Options { enrich: false, ..Options::default() };
    let rec = r#"{"\ud800":1,"\ufffd":2,"a":{"\udc00x":3,"b~\ud83d":[{"\udfff":4}]}}"#;
    let flat = transform(rec.as_bytes(), &o).unwrap();
    assert_eq!(flat, "{\"\\ud800\":1,\"\u{FFFD}\":2,\"a.\\udc00x\":3,\"a.b~0\\ud83d\":[{\"\\udfff\":4}]}");
    let back = unflatten(flat.as_bytes(), &o).unwrap();
    assert_eq!(back, "{\"\\ud800\":1,\"\u{FFFD}\":2,\"a\":{\"\\udc00x\":3,\"b~\\ud83d\":[{\"\\udfff\":4}]}}");
    // A proper pair is one character, as before.
    let flat = transform(br#"{"\ud83d\ude00":1}"#, &o).unwrap();
    assert_eq!(flat, "{\"\u{1F600}\":1}");
}
