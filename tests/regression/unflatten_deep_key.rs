//! A flat key made of 200,000 separators (`a.a.a...`) makes unflatten build a 200,000-level tree
//! from a flat object whose JSON nesting is only 1: it must be a limit error, not a stack overflow.

use cloudfront_trail::{unflatten, ErrorKind, Options};

#[test]
fn a_key_with_more_parts_than_the_nesting_limit_is_a_limit_error() {
    let o = Options { enrich: false, ..Options::default() };
    for key in ["a.".repeat(200_000) + "a", ".".repeat(200_000)] {
        let flat = format!(r#"{{"{key}":1}}"#);
        let e = unflatten(flat.as_bytes(), &o).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Limit, "{e}");
    }
    // Inside an array element too (objects in kept arrays are flattened by the same rules).
    let flat = format!(r#"{{"x":[{{"{}":1}}]}}"#, "a.".repeat(200_000));
    assert_eq!(unflatten(flat.as_bytes(), &o).unwrap_err().kind(), ErrorKind::Limit);
    // At the limit it still works.
    let ok = format!(r#"{{"{}":1}}"#, vec!["a"; 500].join("."));
    assert!(unflatten(ok.as_bytes(), &o).is_ok());
}
