//! `transform_log` on raw bytes (every input shape the detector knows), on the same bytes inside
//! gzip (one member and split into two members) and inside a CloudWatch Logs subscription.
//! Wrapping in gzip must not change what comes out; the NDJSON fast path must agree.
#![no_main]
#[path = "common.rs"]
mod common;

use cloudfront_trail::{transform_log, transform_log_to_ndjson, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = Options::default();
    let raw = transform_log(data, &opts);
    if let Ok(log) = &raw {
        common::assert_json_objects(log);
        let (nd, summary) = transform_log_to_ndjson(data, &opts).expect("ndjson fails where transform_log did not");
        let mut want = Vec::new();
        // Order of records and errors interleaves; compare as multisets of lines.
        for l in log.records.iter().chain(log.errors.iter().map(|b| &b.entry)) {
            want.push(l.as_bytes());
        }
        let mut got: Vec<&[u8]> = nd.split(|&c| c == b'\n').filter(|l| !l.is_empty()).collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "NDJSON output differs from transform_log");
        assert_eq!(summary.records as usize, log.records.len());
        assert_eq!(summary.errors as usize, log.errors.len());
    }

    if !data.starts_with(&[0x1f, 0x8b]) {
        let gz = transform_log(&common::gzip(data), &opts);
        match (&raw, &gz) {
            (Ok(a), Ok(b)) => assert_eq!(common::items(a), common::items(b), "gzip changed the output"),
            (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind()),
            _ => panic!("gzip changed success: raw {:?} gzip {:?}", raw.as_ref().err(), gz.as_ref().err()),
        }
        // The same bytes split into two gzip members.
        let cut = data.len() / 2;
        let mut two = common::gzip(&data[..cut]);
        two.extend_from_slice(&common::gzip(&data[cut..]));
        if let (Ok(a), Ok(b)) = (&raw, transform_log(&two, &opts)) {
            assert_eq!(common::items(a), common::items(&b), "two gzip members changed the output");
        }
    }

    if let Ok(log) = transform_log(&common::cwl(data), &opts) {
        common::assert_json_objects(&log);
    }
});
