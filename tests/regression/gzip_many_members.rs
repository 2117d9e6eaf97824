//! Each gzip member header made the inflater recurse into itself for the rest of the chunk, with
//! a 32 KiB buffer in every frame: a few dozen tiny members in one chunk overflow the 1 MiB
//! WebAssembly stack (a trap), 100,000 (2 MB) overflowed even an 8 MiB native stack.
//! Fixed in src/input/gzip.rs (the header phase no longer recurses).

use cloudfront_trail::{transform_log, Format, Options};
use miniz_oxide::deflate::compress_to_vec;

fn member(data: &[u8]) -> Vec<u8> {
    let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    v.extend_from_slice(&compress_to_vec(data, 1));
    v.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v
}

#[test]
fn two_thousand_members_in_one_chunk() {
    let empty = member(b"");
    let input: Vec<u8> = std::iter::repeat(&empty[..]).take(2_000).flatten().copied().collect();
    let log = transform_log(&input, &Options::default()).unwrap();
    assert_eq!((log.format, log.gzip, log.records.len(), log.errors.len()), (Format::Empty, true, 0, 1), "all members empty: one empty-input entry");

    // One record per member: every record comes out.
    let one = member(b"{\"eventName\":\"A\"}\n");
    let input: Vec<u8> = std::iter::repeat(&one[..]).take(2_000).flatten().copied().collect();
    let log = transform_log(&input, &Options { enrich: false, ..Options::default() }).unwrap();
    assert_eq!((log.format, log.records.len(), log.errors.len()), (Format::Ndjson, 2_000, 0));
}
