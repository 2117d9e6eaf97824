//! With `arrays: "index"`, when `maxFields` ran out inside an object within an array element,
//! the `~overflow` text reopened the array level as `"0"::{` (two colons): not JSON, so
//! `unflatten` failed and the overflowed fields were unreadable. Found by the `transform` fuzzer
//! (a CloudTrail digest file's `logFiles` array, maxFields 17). Fixed in src/flatten.rs.

use cloudfront_trail::{transform, unflatten, Arrays, Options};
use serde_json::Value;

#[test]
fn overflow_that_starts_inside_an_array_element_round_trips() {
    for sep in ['.', '→'] {
        let o = Options { enrich: false, arrays: Arrays::Index, max_fields: 2, separator: sep, ..Options::default() };
        for rec in [r#"{"a":[{"x":1,"y":2}]}"#, r#"{"a":[{"x":1},{"y":[{"z":{"w":3}},4]}],"b":5}"#, r#"{"k":{"a":[[{"x":1,"y":2,"z":3}]]}}"#] {
            let flat = transform(rec.as_bytes(), &o).unwrap();
            let ov: Value = serde_json::from_str(&flat).unwrap();
            let text = ov["~overflow"].as_str().unwrap_or_else(|| panic!("no overflow in {flat}"));
            assert!(serde_json::from_str::<Value>(text).is_ok(), "overflow is not JSON: {text}");
            let back: Value = serde_json::from_str(&unflatten(flat.as_bytes(), &o).unwrap()).unwrap();
            assert_eq!(back, serde_json::from_str::<Value>(rec).unwrap(), "{sep} {rec}: {flat}");
        }
    }
}
