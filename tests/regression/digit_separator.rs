//! With `arrays: "index"` and a digit separator, array indices ran into the separator:
//! `{"b":[{"c":1}]}` with separator '0' gave `b000c`, which `unflatten` read as
//! `{"b":{"":{"":{"c":1}}}}`. Found by the transform(object) parity tests. Digits are now
//! refused as separators (src/options.rs). Also: `unflatten` took "+0" for an index.

use cloudfront_trail::{transform, unflatten, Arrays, ErrorKind, Options};

#[test]
fn digit_separators_are_an_option_error() {
    for sep in '0'..='9' {
        let o = Options { separator: sep, arrays: Arrays::Index, ..Options::default() };
        let e = transform(br#"{"b":[{"c":1}]}"#, &o).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Option, "{sep}: {e}");
    }
}

#[test]
fn only_digit_keys_are_indices() {
    let o = Options { enrich: false, arrays: Arrays::Index, ..Options::default() };
    let back = unflatten(br#"{"a.+0":1,"b.0":2}"#, &o).unwrap();
    assert_eq!(back, r#"{"a":{"+0":1},"b":[2]}"#);
}
