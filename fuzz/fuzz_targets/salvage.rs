//! The salvage reader on arbitrary bytes: no panic; when it salvages, the rebuilt text is one JSON
//! object, every damage offset lies inside the input, and the ordinary pipeline reads the result
//! (so `transform` with `salvage` gives one JSON object unless the record fails
//! for another reason than its syntax), in the flat and the ECS profile (the first byte picks;
//! OCSF may refuse a salvaged record as it refuses an incomplete intact one, so it is left to the
//! other targets, whose options turn salvage on with every profile). Linear time is what
//! run.sh's `-timeout` watches for.
#![no_main]
#[path = "common.rs"]
mod common;

use cloudfront_trail::{salvage, transform, ErrorKind, Options, Profile};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|input: &[u8]| {
    let [sep, rec @ ..] = input else { return };
    let separator = if sep % 2 == 0 { '.' } else { '/' };
    let profile = if sep & 2 == 0 { Profile::Flat } else { Profile::Ecs };
    if let Some(s) = salvage(rec, separator) {
        let v: Value = common::parse(&s.json).unwrap_or_else(|e| panic!("salvage wrote bad JSON: {e}\n{}", String::from_utf8_lossy(&s.json)));
        assert!(v.is_object(), "salvage wrote a non-object");
        assert!(!s.damages.is_empty(), "salvaged without damage");
        assert!(s.damages.iter().all(|d| d.offset <= rec.len()), "a damage offset past the input");
        let opts = Options { separator, profile, salvage: true, ..Options::default() };
        // A syntax error is what salvage is for; other failures (a nesting limit) stay errors.
        match transform(rec, &opts) {
            Ok(out) => common::assert_object(&out),
            Err(e) => assert_ne!(e.kind(), ErrorKind::Syntax, "salvageable record not salvaged: {e}"),
        }
    }
});
