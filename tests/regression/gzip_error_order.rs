//! Found by the chunk_limits fuzz target: with `strict`, a gzip stream in two members whose
//! second member is corrupt failed with `input` (the checksum) read whole, but with `syntax` (a
//! bad record inside that member) read in small chunks, since the whole call inflated the
//! member to its trailer before reading any of it. Fixed in src/input/gzip.rs: an error found
//! after some output of the same step waits until that output has been read, and a
//! maxDecompressedBytes overrun hands on exactly the first maxDecompressedBytes bytes, so the
//! first error is the same whatever the chunking.

use cloudfront_trail::{transform_log, Item, Options, Splitter};
use miniz_oxide::deflate::compress_to_vec;

const CASE: &[&str] = &[
    "017b6176654e22656d98dd7dc54e4e61dfefbbbf0a7b22bf7b2222312e3035222c0a202020202020226576656e745f74",
    "797065223a2022417773436f6e736f6c655369676e496e222c0a202020202020226572726f725f6d657373616765223a",
    "20224661696c65642061757468656e7469636174696f6e222c0a20202020202022757365725f6964656e74697479223a",
    "207b0a20202020202020202274797065223a202249414d55736572222c0a20202020202020202261726e223a20226172",
    "6e3a6177733a69616d3a3a3131313132323232333333333a757365722f4a616e65446f65220a2020202020207d2c0a20",
    "202020202022726563697069656e745f6163636f756e745f6964223a2022313131313232323233333333222c0a202020",
    "20202022726573706f6e73655f656c656d656e7473223a20227b5c22436f6e736f6c654c6f67696e5c223a5c22466169",
    "6c7572655c227d222c0a202020202020226164646974696f6e616c5f6576656e7464617461223a20227b5c224c6f6769",
    "6e546f5c223a5c2268747470733a2f2f636f6e736f6c652e6177732e616d617a6f6e2e636f6d2f636f6e736f6c652f68",
    "6f6d655c222c5c224d4641557365645c223a5c224e6f5c222c5c224d6f62696c6556657273696f6e5c223a5c224e6f5c",
    "227d222c0a20202020202022666c617474656e6564223a207b0a202020202020202022726573706f6e73655f656c656d",
    "656e7473223a207b2022436f6e736f6c654c6f67696e223a20224661696c75726522207d2c0a20202020202020202261",
    "64646974696f6e616c5f6576656e7464617461223a207b0a20202020202020202020224c6f67696e546f223a20226874",
    "7470733a2f2f636f6e736f6c652e6177732e616d617a6f6e2e636f6d2f636f6e736f6c652f686f6d65222c0a20202020",
    "202020202020224d6f62696c6556657273696f6e223a20224e6f222c0a20202020202020202020224d46415573656422",
    "3a20224e6f220a20202020202020207d0a2020202020207d2c0a20202020202022636f6e736f6c655f6c6f67696e223a",
    "2043227d0a",
];

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    v.extend_from_slice(&compress_to_vec(data, 1));
    v.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn the_first_error_does_not_depend_on_chunking() {
    let input = unhex(&CASE.concat());
    let (ctl, text) = input.split_at(4);
    // As the fuzz target builds it: strict, maxDecompressedBytes = len + 1, two members, one
    // byte of the result flipped.
    let opts = Options { max_record_bytes: 1024 + (ctl[0] as usize % 8) * 37, max_decompressed_bytes: text.len() as u64 + 1, enrich: true, strict: true, ..Options::default() };
    let cut = text.len() * ctl[2] as usize / 256;
    let mut gz = gzip(&text[..cut]);
    gz.extend_from_slice(&gzip(&text[cut..]));
    let at = 10 + ctl[2] as usize % (gz.len() - 10);
    gz[at] ^= 0x5a;
    let whole = transform_log(&gz, &opts).unwrap_err();
    for size in [1, 7, 64, 1000] {
        let mut sp = Splitter::new(opts.clone()).unwrap();
        let mut sink = |_: Item<'_>| {};
        let r = gz.chunks(size).try_for_each(|c| sp.push(c, &mut sink)).and_then(|_| sp.finish(&mut sink).map(|_| ()));
        let e = r.unwrap_err();
        assert_eq!(e.kind(), whole.kind(), "chunks of {size}: {e} / whole: {whole}");
    }
}
