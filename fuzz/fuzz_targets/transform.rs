//! `transform` of one record under every option combination (first two bytes). Output must be
//! one JSON object; with enrichment off and no depth cut, `unflatten` must give the record back.
#![no_main]
#[path = "common.rs"]
mod common;

use cloudfront_trail::{transform, unflatten, Arrays, Options, Profile};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|input: &[u8]| {
    let [a, b, rec @ ..] = input else { return };
    let opts = common::options(*a, *b);
    if let Ok(out) = transform(rec, &opts) {
        common::assert_object(&out);
    }

    // Round trip on the canonical text of a parseable object (no duplicate keys, no NaN).
    if opts.profile != Profile::Flat {
        return;
    }
    let Ok(v @ Value::Object(_)) = common::parse(rec) else { return };
    if opts.arrays == Arrays::Index && has_index_like_keys(&v) {
        return; // documented: index mode cannot tell {"0":..} from an array
    }
    let o = Options { enrich: false, max_depth: 1000, ..opts };
    let text = v.to_string();
    let Ok(flat) = transform(text.as_bytes(), &o) else { return }; // e.g. nesting over the limit
    let back = unflatten(flat.as_bytes(), &o).unwrap_or_else(|e| panic!("unflatten failed: {e}\n{flat}"));
    let back: Value = common::parse(back.as_bytes()).unwrap_or_else(|e| panic!("unflatten wrote bad JSON: {e}\n{back}"));
    assert_eq!(back, v, "round trip lost data; flat: {flat}");
});

fn has_index_like_keys(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty() || m.keys().any(|k| k.parse::<usize>().is_ok()) || m.values().any(has_index_like_keys),
        Value::Array(a) => a.is_empty() || a.iter().any(has_index_like_keys),
        _ => false,
    }
}
