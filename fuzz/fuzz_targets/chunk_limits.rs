//! Random chunkings near every limit (issue 12): text cut anywhere (inside UTF-8 characters and
//! byte order marks too), or gzip with real checksums, split into members at fuzzer-chosen
//! points, sometimes with one byte flipped; maxRecordBytes and maxDecompressedBytes close to the
//! input's size; output read through the budgeted calls (`push_some`/`resume`/`finish_some`)
//! with small budgets. Checked: the same records and error entries as one whole call, every
//! output one JSON object, and records + error entries = what the summary counts.
#![no_main]
#[path = "common.rs"]
mod common;

use cloudfront_trail::{transform_log, Item, Options, Splitter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    if input.len() < 4 {
        return;
    }
    let (ctl, data) = input.split_at(4);
    let text = data;
    // maxRecordBytes from 1024 up, near the data's size when it is larger; decompressed limit
    // around the text's size.
    let max_record_bytes = 1024 + (ctl[0] as usize % 8) * 37;
    let max_decompressed_bytes = match ctl[1] & 3 {
        0 => 1 << 30,
        1 => text.len() as u64,
        2 => (text.len() as u64).saturating_sub(1),
        _ => text.len() as u64 + 1,
    };
    let opts = Options { max_record_bytes, max_decompressed_bytes, enrich: ctl[1] & 4 != 0, strict: ctl[1] & 8 != 0, ..Options::default() };
    let gz;
    let bytes: &[u8] = if ctl[1] & 0x10 != 0 {
        // gzip, in one or two members, maybe with one byte flipped.
        let cut = if ctl[1] & 0x20 != 0 { text.len() * ctl[2] as usize / 256 } else { text.len() };
        let mut v = common::gzip(&text[..cut]);
        if cut < text.len() {
            v.extend_from_slice(&common::gzip(&text[cut..]));
        }
        if ctl[1] & 0x40 != 0 && !v.is_empty() {
            let at = 10 + ctl[2] as usize % v.len().saturating_sub(10).max(1);
            if at < v.len() {
                v[at] ^= 0x5a;
            }
        }
        gz = v;
        &gz
    } else {
        text
    };
    let whole = transform_log(bytes, &opts);
    if let Ok(log) = &whole {
        common::assert_json_objects(log);
    }

    let (mut records, mut errors) = (Vec::new(), Vec::new());
    let mut sink = |item: Item<'_>| common::collect(item, &mut records, &mut errors);
    let mut sp = Splitter::new(opts.clone()).unwrap();
    let budget = 1 + ctl[3] as usize * 16;
    let mut seed = u32::from_le_bytes([ctl[0], ctl[1], ctl[2], ctl[3]]) | 1;
    let mut rest = bytes;
    let mut res = Ok(());
    while !rest.is_empty() && res.is_ok() {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (1 + (seed % 97) as usize).min(rest.len());
        res = sp.push_some(&rest[..n], budget, &mut sink).and_then(|mut more| {
            while more {
                more = sp.resume(budget, &mut sink)?;
            }
            Ok(())
        });
        rest = &rest[n..];
    }
    let res = res.and_then(|_| loop {
        if let Some(s) = sp.finish_some(budget, &mut sink)? {
            break Ok(s);
        }
    });
    match (&whole, res) {
        (Ok(log), Ok(summary)) => {
            assert_eq!(records, log.records, "chunked records differ");
            assert_eq!(errors, common::items(log).1, "chunked error entries differ");
            assert_eq!((summary.records, summary.errors), (records.len() as u64, errors.len() as u64), "summary counts");
            assert_eq!(summary.format, log.format);
        }
        (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind()),
        (a, b) => panic!("chunking changed success: whole {:?} chunked {:?}", a.as_ref().err(), b.err()),
    }
});
