//! The same bytes pushed into a `Splitter` in fuzzer-chosen chunk sizes (optionally gzipped
//! first) give exactly what one `transform_log` call gives: records, error originals, entries.
#![no_main]
#[path = "common.rs"]
mod common;

use cloudfront_trail::{transform_log, Item, Options, Splitter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&ctl, data)) = input.split_first() else { return };
    let opts = Options { max_record_bytes: if ctl & 0x40 != 0 { 1024 } else { 64 << 20 }, ..Options::default() };
    let gz;
    let bytes: &[u8] = if ctl & 0x80 != 0 && !data.starts_with(&[0x1f, 0x8b]) {
        gz = common::gzip(data);
        &gz
    } else {
        data
    };
    let whole = transform_log(bytes, &opts);

    let (mut records, mut errors) = (Vec::new(), Vec::new());
    let mut sink = |item: Item<'_>| common::collect(item, &mut records, &mut errors);
    let mut sp = Splitter::new(opts.clone()).unwrap();
    // Chunk sizes cycle through a small fuzzer-chosen pattern (1..=64 bytes, or larger).
    let sizes = [1 + (ctl & 7) as usize, 1 + (ctl >> 3 & 7) as usize * 9, 1, 4096];
    let mut rest = bytes;
    let mut k = 0;
    let mut res = Ok(());
    while !rest.is_empty() && res.is_ok() {
        let n = sizes[k % sizes.len()].min(rest.len());
        res = sp.push(&rest[..n], &mut sink);
        rest = &rest[n..];
        k += 1;
    }
    let res = res.and_then(|_| sp.finish(&mut sink).map(|_| ()));

    match (&whole, res) {
        // Every input, limits included: a stream cuts an oversized record or stretch at the
        // same places as one whole call (src/split.rs, `drain`), so nothing is skipped here.
        (Ok(log), Ok(())) => {
            assert_eq!(records, log.records, "chunked records differ");
            assert_eq!(errors, common::items(log).1, "chunked error entries differ");
        }
        (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind()),
        (a, b) => panic!("chunking changed success: whole {:?} chunked {:?}", a.as_ref().err(), b.err()),
    }
});
