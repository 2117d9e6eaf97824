//! With `arrays: "index"`, a flat record whose top-level keys were all indexes (`{"0.e":3}`)
//! was unflattened to an array (`[{"e":3}]`), though unflatten promises an object: a record.
//! Found by the `unflatten` fuzzer. Fixed in src/unflatten.rs.

use cloudfront_trail::{transform, unflatten, Arrays, Options};
use serde_json::{json, Value};

#[test]
fn index_keys_at_the_top_level_stay_object_keys() {
    let o = Options { enrich: false, arrays: Arrays::Index, ..Options::default() };
    let back: Value = serde_json::from_str(&unflatten(br#"{"0.e":3}"#, &o).unwrap()).unwrap();
    assert_eq!(back, json!({"0": {"e": 3}}));
    let back: Value = serde_json::from_str(&unflatten(br#"{"0":"a","1":"b"}"#, &o).unwrap()).unwrap();
    assert_eq!(back, json!({"0": "a", "1": "b"}));
    // Arrays below the top level are still rebuilt, and a record keyed "0" round-trips.
    let rec = r#"{"0":{"e":[1,{"f":2}]},"1":3}"#;
    let flat = transform(rec.as_bytes(), &o).unwrap();
    let back: Value = serde_json::from_str(&unflatten(flat.as_bytes(), &o).unwrap()).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(rec).unwrap(), "{flat}");
}
