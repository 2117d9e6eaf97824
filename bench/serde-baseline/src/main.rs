//! serde_json's own speed on the bench corpus, with serde_json's default features: a `Value` tree
//! of the whole Records file, a `Value` per NDJSON record, validation only (`IgnoredAny`), and
//! the naive DOM design (Value + flatten into a new map + serialise). Same harness and output
//! shape as benches/core.rs.
//!
//!   cargo run --release --manifest-path bench/serde-baseline/Cargo.toml -- bench/corpus/records-50mb.json

use std::hint::black_box;
use std::time::Instant;

use serde::de::IgnoredAny;
use serde_json::{Map, Value};

fn flatten(v: &Value, prefix: &mut String, out: &mut Map<String, Value>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                let len = prefix.len();
                if len > 0 {
                    prefix.push('.');
                }
                prefix.push_str(k);
                flatten(child, prefix, out);
                prefix.truncate(len);
            }
        }
        _ => {
            out.insert(prefix.clone(), v.clone());
        }
    }
}

fn median(xs: &[f64]) -> f64 {
    let mut s = xs.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

type Run<'a> = Box<dyn FnMut() -> usize + 'a>;

fn main() {
    let Some(file) = std::env::args().nth(1) else {
        eprintln!("usage: serde-baseline <records.json> (its .ndjson beside it)");
        std::process::exit(2);
    };
    let nd_file = std::path::Path::new(&file).with_extension("ndjson");
    let (bytes, nd) = match (std::fs::read(&file), std::fs::read(&nd_file)) {
        (Ok(b), Ok(n)) => (b, n),
        _ => {
            eprintln!("serde-baseline: cannot read {file} and its .ndjson");
            std::process::exit(2);
        }
    };
    let reps: usize = std::env::var("BENCH_REPS").ok().and_then(|v| v.parse().ok()).unwrap_or(5).max(1);
    let warmup: usize = std::env::var("BENCH_WARMUP").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let lines: Vec<&[u8]> = nd.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let n_records = lines.len();

    let mut paths: Vec<(&str, &str, usize, Run<'_>)> = vec![
        (
            "serde-default-value-log",
            "serde_json defaults: from_slice::<Value> (whole Records file)",
            bytes.len(),
            Box::new(|| {
                let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                v.get("Records").and_then(Value::as_array).map_or(0, Vec::len)
            }),
        ),
        (
            "serde-default-ignored-log",
            "serde_json defaults: from_slice::<IgnoredAny> (validate only)",
            bytes.len(),
            Box::new(|| serde_json::from_slice::<IgnoredAny>(&bytes).map_or(0, |_| n_records)),
        ),
        (
            "serde-default-value-record",
            "serde_json defaults: from_slice::<Value> per record",
            nd.len(),
            Box::new(|| lines.iter().filter(|l| serde_json::from_slice::<Value>(l).map(black_box).is_ok()).count()),
        ),
        (
            "serde-default-naive-flatten",
            "serde_json defaults: naive DOM Value + flatten + to_writer",
            nd.len(),
            Box::new(|| {
                let mut out = Vec::with_capacity(nd.len() * 2);
                let mut prefix = String::new();
                let mut n = 0;
                for l in &lines {
                    if let Ok(v) = serde_json::from_slice::<Value>(l) {
                        let mut flat = Map::new();
                        flatten(&v, &mut prefix, &mut flat);
                        if serde_json::to_writer(&mut out, &flat).is_ok() {
                            out.push(b'\n');
                            n += 1;
                        }
                    }
                }
                black_box(&out);
                n
            }),
        ),
    ];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); paths.len()];
    let mut counts = vec![0usize; paths.len()];
    for round in 0..warmup + reps {
        for (i, p) in paths.iter_mut().enumerate() {
            let t0 = Instant::now();
            counts[i] = black_box((p.3)());
            if round >= warmup {
                times[i].push(t0.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    for (i, (id, label, nbytes, _)) in paths.iter().enumerate() {
        let med = median(&times[i]);
        let best = times[i].iter().copied().fold(f64::INFINITY, f64::min);
        println!(
            "{{\"id\":\"{id}\",\"group\":\"native\",\"label\":\"{label}\",\"bytes\":{nbytes},\"records\":{n_records},\"recordsOut\":{},\"medianMs\":{med:.3},\"bestMs\":{best:.3},\"reps\":{}}}",
            counts[i],
            times[i].len()
        );
        eprintln!("{label:<62} {:>8.1} MB/s", *nbytes as f64 / 1e6 / (med / 1e3));
    }
}
