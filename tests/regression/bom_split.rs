//! A byte order mark split across the first chunks (the first push holding only `EF BB`) made
//! the whole log one syntax error entry with no records, in the splitter and in gzip read in
//! small pieces; the same file in one piece read fine. Fixed in src/split.rs (`top` waits for
//! the rest of the mark).

use cloudfront_trail::{transform_log, Item, Options, Splitter};
use miniz_oxide::deflate::compress_to_vec;

fn read(chunks: &[&[u8]]) -> (Vec<String>, usize) {
    let mut sp = Splitter::new(Options { enrich: false, ..Options::default() }).unwrap();
    let (mut ok, mut bad) = (Vec::new(), 0);
    let mut sink = |i: Item<'_>| match i {
        Item::Record(j) => ok.push(String::from_utf8_lossy(j).into_owned()),
        Item::Bad { .. } => bad += 1,
    };
    for c in chunks {
        sp.push(c, &mut sink).unwrap();
    }
    sp.finish(&mut sink).unwrap();
    (ok, bad)
}

#[test]
fn a_bom_cut_after_one_or_two_bytes() {
    let log = b"\xEF\xBB\xBF{\"Records\":[{\"eventName\":\"A\"},{\"eventName\":\"B\"}]}\n";
    let whole = transform_log(log, &Options { enrich: false, ..Options::default() }).unwrap();
    assert_eq!(whole.records.len(), 2);
    for cut in [1, 2, 3] {
        let (ok, bad) = read(&[&log[..cut], &log[cut..]]);
        assert_eq!((ok, bad), (whole.records.clone(), 0), "cut after {cut}");
    }
    let (ok, bad) = read(&log.chunks(1).collect::<Vec<_>>());
    assert_eq!((ok, bad), (whole.records.clone(), 0), "one byte at a time");
    // gzip, fed in pieces of one and two bytes: the first inflated output may be the mark's start.
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    gz.extend_from_slice(&compress_to_vec(log, 6));
    gz.extend_from_slice(&crc32fast::hash(log).to_le_bytes());
    gz.extend_from_slice(&(log.len() as u32).to_le_bytes());
    for size in [1, 2] {
        let (ok, bad) = read(&gz.chunks(size).collect::<Vec<_>>());
        assert_eq!((ok, bad), (whole.records.clone(), 0), "gzip in {size}-byte chunks");
    }
}
