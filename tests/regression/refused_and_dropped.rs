//! DEL and U+0085 were accepted as separators though control characters are documented as
//! refused; `unflatten` dropped a `~overflow` whose text was not an object and ignored text after
//! it. Fixed in src/options.rs and src/unflatten.rs.

use cloudfront_trail::{transform, unflatten, ErrorKind, Options};

#[test]
fn control_separators_are_refused() {
    for sep in ['\u{7f}', '\u{85}', '\u{9f}', '\u{1f}'] {
        let o = Options { separator: sep, ..Options::default() };
        let e = transform(br#"{"a":{"b":1}}"#, &o).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Option, "{sep:?}");
    }
    assert!(transform(br#"{"a":1}"#, &Options { separator: '\u{a0}', ..Options::default() }).is_ok());
}

#[test]
fn overflow_that_is_not_one_object_is_an_error() {
    let o = Options { enrich: false, ..Options::default() };
    for ov in [r#""[1,2]""#, r#""5""#, r#""\"s\"""#, r#""{\"a\":1} trailing""#, r#""{\"a\":1}{\"b\":2}""#] {
        let flat = format!(r#"{{"x":1,"~overflow":{ov}}}"#);
        assert!(unflatten(flat.as_bytes(), &o).is_err(), "{flat}");
    }
    assert_eq!(unflatten(br#"{"x":1,"~overflow":"{\"y\":{\"z\":2}}"}"#, &o).unwrap(), r#"{"x":1,"y":{"z":2}}"#);
}
