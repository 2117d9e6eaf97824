//! The race's contenders (benches/race/mod.rs: the flat profile on serde_json's streaming visitor and
//! on jiter) write exactly what `transform(record, enrich: false)` writes, record by record, on
//! the bench corpus's kind of records (generated here by bench/gen-corpus.mjs when node is there,
//! and the real samples in ../shared/samples when present), and where they cannot keep a
//! guarantee json.rs keeps, that is shown, not assumed.
#![cfg(not(target_arch = "wasm32"))] // native suite

#[path = "../benches/race/mod.rs"]
mod race;

use cloudfront_trail::{transform, Options};
use race::{jiter_flat, serde_flat, Flat};

fn no_enrich() -> Options {
    Options { enrich: false, ..Options::default() }
}

/// Both contenders on `rec`: Ok(their output) when they agree with each other, else a panic.
fn both(rec: &[u8]) -> (Result<Vec<u8>, String>, Result<Vec<u8>, String>) {
    let mut f = Flat::default();
    let a = serde_flat(rec, &mut f).map(|_| f.out.clone()).map_err(|e| e.to_string());
    let b = jiter_flat(rec, &mut f).map(|_| f.out.clone());
    (a, b)
}

fn check_same(records: &[Vec<u8>], what: &str) -> usize {
    let o = no_enrich();
    for rec in records {
        let want = transform(rec, &o).unwrap_or_else(|e| panic!("{what}: {e}"));
        let (a, b) = both(rec);
        let text = String::from_utf8_lossy(rec);
        assert_eq!(a.as_deref().map(String::from_utf8_lossy), Ok(want.as_str().into()), "serde_json contender, {what}: {text}");
        assert_eq!(b.as_deref().map(String::from_utf8_lossy), Ok(want.as_str().into()), "jiter contender, {what}: {text}");
    }
    records.len()
}

/// The records of a sample file (a `{"Records":[...]}` file, one record, or NDJSON lines), as
/// compact JSON text.
fn record_texts(bytes: &[u8]) -> Vec<Vec<u8>> {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return bytes.split(|&b| b == b'\n').filter(|l| l.first() == Some(&b'{')).map(<[u8]>::to_vec).collect();
    };
    let recs = match v.get("Records").and_then(|r| r.as_array()) {
        Some(a) => a.clone(),
        None => vec![v],
    };
    recs.into_iter().filter(|r| r.is_object()).map(|r| serde_json::to_vec(&r).unwrap()).collect()
}

#[test]
fn contenders_write_the_same_bytes_on_the_generated_corpus() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("cloudfront-trail-race-{}", std::process::id()));
    let ok = std::process::Command::new("node")
        .arg(root.join("bench/gen-corpus.mjs"))
        .args(["--size", "2", "--name", "race", "--ndjson"])
        .env("BENCH_CORPUS_DIR", &dir)
        .output();
    let nd = match ok {
        Ok(o) if o.status.success() => {
            let meta: serde_json::Value = serde_json::from_slice(&o.stdout).expect("gen-corpus prints its meta");
            std::fs::read(meta["ndjsonFile"].as_str().expect("ndjsonFile")).expect("the corpus")
        }
        _ => {
            eprintln!("node or bench/gen-corpus.mjs not available: generated corpus skipped");
            return;
        }
    };
    let records: Vec<Vec<u8>> = nd.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect();
    assert!(check_same(&records, "generated corpus") > 500);
}

#[test]
fn contenders_write_the_same_bytes_on_the_real_samples() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    if !dir.exists() {
        eprintln!("../shared/samples absent: skipped");
        return;
    }
    let mut n = 0;
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json" || x == "log" || x == "ndjson") {
                let bytes = std::fs::read(&p).unwrap();
                let recs: Vec<Vec<u8>> = record_texts(&bytes).into_iter().filter(|r| transform(r, &no_enrich()).is_ok()).collect();
                n += check_same(&recs, &p.display().to_string());
            }
        }
    }
    assert!(n > 100, "{n} records");
}

/// Where the contenders cannot keep json.rs's guarantees: shown on one record each.
#[test]
fn what_the_contenders_cannot_keep() {
    let o = no_enrich();
    // A lone surrogate escape: json.rs keeps it as written; both contenders refuse the record.
    let lone = br#"{"a":"x\ud800y"}"#;
    assert_eq!(transform(lone, &o).unwrap(), r#"{"a":"x\ud800y"}"#);
    let (a, b) = both(lone);
    assert!(a.is_err() && b.is_err(), "{a:?} {b:?}");
    // An escape that need not be one: serde_json's visitor gets the decoded text and writes it
    // back its own way; jiter's raw bytes keep it.
    let esc = br#"{"a":"\u00e9\/"}"#;
    assert_eq!(transform(esc, &o).unwrap(), r#"{"a":"\u00e9\/"}"#);
    let (a, b) = both(esc);
    assert_eq!(String::from_utf8(a.unwrap()).unwrap(), "{\"a\":\"\u{e9}/\"}");
    assert_eq!(String::from_utf8(b.unwrap()).unwrap(), r#"{"a":"\u00e9\/"}"#);
    // Numbers as written and repeated keys: jiter's bytes keep both; serde_json's
    // arbitrary_precision (on in this crate's dev-dependency) keeps digits, fractions and repeated
    // keys but writes an exponent's sign: `1e400` comes out as `1e+400`.
    let nums = br#"{"n":1.50,"m":1e400,"k":-0,"n":123456789012345678901234567890}"#;
    let want = transform(nums, &o).unwrap();
    assert_eq!(want, r#"{"n":1.50,"m":1e400,"k":-0,"n":123456789012345678901234567890}"#);
    let (a, b) = both(nums);
    assert_eq!(String::from_utf8(a.unwrap()).unwrap(), want.replace("1e400", "1e+400"));
    assert_eq!(b.unwrap(), want.as_bytes());
    // Not JSON: refused by all three.
    for bad in [&b"{\"a\":tru}"[..], b"{\"a\":1,}", b"{\"a\":\"\x01\"}", b"{\"a\":\"\xff\"}", b"[1]"] {
        assert!(transform(bad, &o).is_err());
        let (a, b) = both(bad);
        assert!(a.is_err() && b.is_err(), "{}: {a:?} {b:?}", String::from_utf8_lossy(bad));
    }
}
