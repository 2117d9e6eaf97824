//! The race's three flat writers as wasm exports: each reads NDJSON records (enrichment off,
//! default options) and returns the NDJSON it writes, so run.mjs times the same work for each and
//! checks the bytes are equal.

#[path = "../../../benches/race/mod.rs"]
#[allow(dead_code)]
mod race;

use cloudfront_trail::{transform_log_to_ndjson, Options};
use wasm_bindgen::prelude::*;

fn contender(nd: &[u8], flatten: impl Fn(&[u8], &mut race::Flat) -> bool) -> Vec<u8> {
    let mut f = race::Flat::default();
    let mut out = Vec::with_capacity(nd.len() * 2);
    for l in nd.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        if flatten(l, &mut f) {
            out.extend_from_slice(&f.out);
            out.push(b'\n');
        }
    }
    out
}

#[wasm_bindgen]
pub fn jsonrs(nd: &[u8]) -> Vec<u8> {
    transform_log_to_ndjson(nd, &Options { enrich: false, ..Options::default() }).map(|(o, _)| o).unwrap_or_default()
}

#[wasm_bindgen(js_name = serdeVisitor)]
pub fn serde_visitor(nd: &[u8]) -> Vec<u8> {
    contender(nd, |l, f| race::serde_flat(l, f).is_ok())
}

#[wasm_bindgen]
pub fn jiter(nd: &[u8]) -> Vec<u8> {
    contender(nd, |l, f| race::jiter_flat(l, f).is_ok())
}
