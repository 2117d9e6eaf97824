//! Nothing lost, whatever the chunking (issue 12): logs built from pieces whose outcome is known
//! (good records, bad lines, oversized records, control messages, digests, a byte order mark)
//! are read whole, in random chunks and as gzip (real checksums) in random chunks, and through
//! the budgeted calls (`push_some`/`resume`/`finish_some`). Every way gives the same records and
//! error entries, and records + error entries + counted skips = what went in. With the option
//! `salvage` (issue 15) a damaged record that can be read in part is a record, counted in
//! `salvaged` as well; without it, an error entry: both are checked, every way.
//!
//! Before the fixes: an oversized record read in small chunks took the start of the next record
//! into its error entry (classes 5), a byte order mark split across chunks turned the log into
//! one syntax error (class 3), control messages and digests vanished uncounted (class 6).

use cloudfront_trail::{transform_log, Item, Options, Splitter};
use miniz_oxide::deflate::compress_to_vec;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    v.extend_from_slice(&compress_to_vec(data, 1));
    v.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v
}

const LIMIT: usize = 1024;

/// What a log must give: (records, errors, skipped, salvaged).
type Counts = (u64, u64, u64, u64);

/// A log of `n` lines and what it must give without salvage and with it.
fn build(rng: &mut Rng, n: usize) -> (Vec<u8>, Counts, Counts) {
    let mut out = Vec::new();
    // `d`: damaged records salvage reads (error entries without it).
    let (mut r, mut e, mut s, mut d) = (0, 0, 0, 0);
    if rng.below(3) == 0 {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    for i in 0..n {
        match rng.below(8) {
            0..=2 => {
                let pad = "p".repeat(rng.below(200) as usize);
                out.extend_from_slice(format!(r#"{{"eventVersion":"1.08","eventName":"R{i}","x":"{pad}","n":{{"a":[1,2]}}}}"#).as_bytes());
                r += 1;
            }
            3 => {
                out.extend_from_slice(br#"{"eventName": NaN, "x": 1}"#);
                e += 1;
            }
            4 => {
                // An oversized record (valid JSON): pieces of at most LIMIT bytes.
                let blob = "b".repeat(LIMIT + rng.below(3 * LIMIT as u64) as usize);
                let text = format!(r#"{{"eventName":"Big{i}","blob":"{blob}","y":{{"z":[{{}}]}}}}"#);
                e += text.len().div_ceil(LIMIT) as u64;
                out.extend_from_slice(text.as_bytes());
            }
            5 => {
                out.extend_from_slice(br#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination"}]}"#);
                s += 1;
            }
            6 => {
                out.extend_from_slice(br#"{"awsAccountId":"1","digestStartTime":"a","digestEndTime":"b","logFiles":[]}"#);
                s += 1;
            }
            _ if rng.below(2) == 0 => {
                // Damaged as the CloudFront guide's example is: a placeholder in place of an
                // object, and a lost opener leaving a stray `]`.
                out.extend_from_slice(format!(r#"{{"eventVersion":"1.08","eventName":"D{i}","requestParameters":{{"c":{{ omitted }},"b":{{"x":1}}],"q":2}},"z":[1]}}"#).as_bytes());
                d += 1;
            }
            _ => {
                out.extend_from_slice(br#"{"eventName":"W","ok":true}"#);
                r += 1;
            }
        }
        out.push(b'\n');
    }
    (out, (r, e + d, s, 0), (r + d, e, s, d))
}

type Got = (Vec<String>, Vec<(String, String)>, Counts);

/// The sink of every reading here: records as text, error entries as (raw text, entry).
fn collect(item: Item<'_>, records: &mut Vec<String>, errors: &mut Vec<(String, String)>) {
    match item {
        Item::Record(j) => records.push(String::from_utf8_lossy(j).into_owned()),
        Item::Bad { original, entry, .. } => errors.push((String::from_utf8_lossy(original).into_owned(), String::from_utf8_lossy(entry).into_owned())),
    }
}

/// Reads `input` in chunks of sizes drawn from `sizes`, with output budgets when `budget` is set.
fn chunked(input: &[u8], o: &Options, rng: &mut Rng, max_chunk: u64, budget: Option<usize>) -> Got {
    let (mut records, mut errors) = (Vec::new(), Vec::new());
    let mut sink = |item: Item<'_>| collect(item, &mut records, &mut errors);
    let mut sp = Splitter::new(o.clone()).unwrap();
    let mut rest = input;
    while !rest.is_empty() {
        let n = (1 + rng.below(max_chunk) as usize).min(rest.len());
        match budget {
            None => sp.push(&rest[..n], &mut sink).unwrap(),
            Some(b) => {
                let mut more = sp.push_some(&rest[..n], b, &mut sink).unwrap();
                while more {
                    more = sp.resume(b, &mut sink).unwrap();
                }
            }
        }
        rest = &rest[n..];
    }
    let summary = match budget {
        None => sp.finish(&mut sink).unwrap(),
        Some(b) => loop {
            if let Some(s) = sp.finish_some(b, &mut sink).unwrap() {
                break s;
            }
        },
    };
    (records, errors, (summary.records, summary.errors, summary.skipped, summary.salvaged))
}

fn whole(input: &[u8], o: &Options) -> Got {
    let mut sp = Splitter::new(o.clone()).unwrap();
    let (mut records, mut errors) = (Vec::new(), Vec::new());
    let mut sink = |item: Item<'_>| collect(item, &mut records, &mut errors);
    sp.push(input, &mut sink).unwrap();
    let s = sp.finish(&mut sink).unwrap();
    (records, errors, (s.records, s.errors, s.skipped, s.salvaged))
}

#[test]
fn every_chunking_gives_the_same_and_accounts_for_everything() {
    let off = Options { max_record_bytes: LIMIT, enrich: false, ..Options::default() };
    let on = Options { salvage: true, ..off.clone() };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..80 {
        let n = 1 + rng.below(30) as usize;
        let (log, want_off, want_on) = build(&mut rng, n);
        // Half the rounds with salvage, half without.
        let (o, want) = if round % 2 == 0 { (&off, want_off) } else { (&on, want_on) };
        let w = whole(&log, o);
        assert_eq!(w.2, want, "round {round}: counts of the whole call");
        assert_eq!((w.0.len() as u64, w.1.len() as u64), (want.0, want.1), "round {round}");
        assert_eq!(w.0.iter().filter(|r| r.contains("\"event.salvaged\":true")).count() as u64, want.3, "round {round}");
        let tl = transform_log(&log, o).unwrap();
        assert_eq!(tl.records, w.0, "round {round}");
        let gz = gzip(&log);
        for (k, max_chunk) in [1u64, 7, 64, 700, 5000].into_iter().enumerate() {
            let budget = if k % 2 == 1 { Some(1 + rng.below(3000) as usize) } else { None };
            assert_eq!(chunked(&log, o, &mut rng, max_chunk, budget), w, "round {round}: plain, chunks up to {max_chunk}, budget {budget:?}");
            assert_eq!(chunked(&gz, o, &mut rng, max_chunk, budget), w, "round {round}: gzip, chunks up to {max_chunk}, budget {budget:?}");
        }
    }
}

/// Like `chunked` (no budget), but after every chunk the splitter is replaced by one restored
/// from its checkpoint, fed the bytes after the checkpoint's offset: what the JS shim does for
/// splitters whose WebAssembly instance was lost to another splitter's trap.
fn restored_every_chunk(input: &[u8], o: &Options, rng: &mut Rng, max_chunk: u64) -> Got {
    let (mut records, mut errors) = (Vec::new(), Vec::new());
    let mut sink = |item: Item<'_>| collect(item, &mut records, &mut errors);
    let mut sp = Splitter::new(o.clone()).unwrap();
    let mut fed = 0;
    while fed < input.len() {
        let n = (1 + rng.below(max_chunk) as usize).min(input.len() - fed);
        sp.push(&input[fed..fed + n], &mut sink).unwrap();
        fed += n;
        if let Some(cp) = sp.checkpoint() {
            let at = sp.consumed() as usize;
            sp = Splitter::restore(o.clone(), &cp).unwrap();
            sp.push(&input[at..fed], &mut sink).unwrap();
        }
    }
    let s = sp.finish(&mut sink).unwrap();
    (records, errors, (s.records, s.errors, s.skipped, s.salvaged))
}

#[test]
fn a_splitter_restored_from_its_checkpoint_reads_on_the_same() {
    // With salvage: the salvaged count survives the checkpoints too.
    let o = Options { max_record_bytes: LIMIT, enrich: false, salvage: true, ..Options::default() };
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for round in 0..30 {
        let n = 1 + rng.below(30) as usize;
        let (mut log, _, _) = build(&mut rng, n);
        if round % 3 == 1 {
            // Inside a Records array and a plain array too.
            let recs: Vec<String> = (0..n).map(|i| format!(r#"{{"eventName":"E{i}","p":"{}"}}"#, "q".repeat(rng.below(1500) as usize))).collect();
            log = format!(r#"{{"Records":[{}]}}"#, recs.join(",\n")).into_bytes();
        } else if round % 3 == 2 {
            log = format!("[{}]", String::from_utf8_lossy(&log).trim_end().replace('\n', ",")).into_bytes();
        }
        let w = whole(&log, &o);
        for max_chunk in [1u64, 13, 300, 4000] {
            assert_eq!(restored_every_chunk(&log, &o, &mut rng, max_chunk), w, "round {round}, chunks up to {max_chunk}");
        }
    }
}

#[test]
fn an_oversized_record_does_not_take_the_next_one() {
    let o = Options { max_record_bytes: LIMIT, enrich: false, ..Options::default() };
    let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(LIMIT + 10));
    for input in [format!("{big}\n{{\"a\":1}}\n"), format!("[{big},{{\"a\":1}}]"), format!(r#"{{"Records":[{big},{{"a":1}}]}}"#)] {
        let w = whole(input.as_bytes(), &o);
        assert_eq!(w.0, [r#"{"a":1}"#], "{input:.40}");
        let mut rng = Rng(7);
        for max_chunk in [1, 3, 100, 2000] {
            assert_eq!(chunked(input.as_bytes(), &o, &mut rng, max_chunk, None), w, "{input:.40} chunks {max_chunk}");
        }
    }
}

#[test]
fn a_damaged_checkpoint_is_refused_or_reads_without_panicking() {
    let o = Options { max_record_bytes: LIMIT, enrich: false, ..Options::default() };
    let mut sp = Splitter::new(o.clone()).unwrap();
    sp.push(br#"{"Records":[{"eventName":"A"},{"eventName": NaN},{"event"#, &mut |_| {}).unwrap();
    let cp = sp.checkpoint().unwrap();
    let mut rng = Rng(99);
    for round in 0..2000 {
        let mut bad = cp.clone();
        match round % 3 {
            0 => bad.truncate(rng.below(cp.len() as u64) as usize),
            1 => {
                let i = rng.below(cp.len() as u64) as usize;
                bad[i] = rng.next() as u8;
            }
            _ => bad = (0..rng.below(120)).map(|_| rng.next() as u8).collect(),
        }
        if let Ok(mut r) = Splitter::restore(o.clone(), &bad) {
            let mut sink = |_: Item<'_>| {};
            let _ = r.push(br#"Name":"B"},{"eventName":"C"}]}"#, &mut sink).and_then(|_| r.finish(&mut sink));
        }
    }
    assert!(Splitter::restore(o, &cp[..cp.len() - 1]).is_err());
}
