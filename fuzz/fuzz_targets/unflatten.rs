//! `unflatten` on arbitrary bytes under every option combination: an error or one JSON object.
#![no_main]
#[path = "common.rs"]
mod common;

use cloudfront_trail::unflatten;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let [a, b, flat @ ..] = input else { return };
    let opts = common::options(*a, *b);
    if let Ok(out) = unflatten(flat, &opts) {
        common::assert_object(&out);
    }
});
