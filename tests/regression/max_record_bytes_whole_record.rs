//! A record larger than `max_record_bytes` passed when it arrived in one piece (transform_log, or
//! one big stream chunk) but was a limit entry when it arrived in small chunks, so the output
//! depended on chunking. Fixed in src/split.rs (record_at). Found by tests/limits.rs.

use cloudfront_trail::{transform_log, ErrorKind, Item, Options, Splitter};

#[test]
fn a_whole_record_over_the_limit_is_a_limit_entry() {
    let o = Options { max_record_bytes: 4096, enrich: false, ..Options::default() };
    let big = format!(r#"{{"eventName":"Big","blob":"{}"}}"#, "x".repeat(20_000));
    let input = format!("{{\"eventName\":\"A\"}}\n{big}\n{{\"eventName\":\"B\"}}\n");
    let log = transform_log(input.as_bytes(), &o).unwrap();
    assert_eq!(log.records.len(), 2);
    // In pieces of at most maxRecordBytes (as a stream must give it), together all of its text.
    assert_eq!(log.errors.len(), big.len().div_ceil(4096));
    assert!(log.errors.iter().all(|e| e.error.kind() == ErrorKind::Limit && e.original.len() <= 4096));
    assert_eq!(log.errors.iter().map(|e| e.original.as_str()).collect::<String>(), big);
    // The same in one chunk and in small chunks: a limit entry either way.
    for chunk in [input.len(), 100] {
        let mut sp = Splitter::new(o.clone()).unwrap();
        let (mut ok, mut limit) = (0, 0);
        let mut sink = |i: Item<'_>| match i {
            Item::Record(_) => ok += 1,
            Item::Bad { error, .. } => limit += (error.kind() == ErrorKind::Limit) as usize,
        };
        for c in input.as_bytes().chunks(chunk) {
            sp.push(c, &mut sink).unwrap();
        }
        sp.finish(&mut sink).unwrap();
        assert_eq!(ok, 2, "chunk {chunk}");
        assert!(limit >= 1, "chunk {chunk}");
    }
}
