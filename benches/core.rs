//! Native throughput of the Rust core against serde_json's own parse speed on the same bytes.
//!
//! A small hand-rolled harness (`harness = false`): Criterion would add a large dependency tree to
//! a crate whose builds are shared on a 2-core machine, and the bench only needs wall time per
//! pass over a fixed corpus. Each path runs `BENCH_WARMUP` unrecorded passes, then `BENCH_REPS`
//! recorded ones, interleaved round by round; the median and the best pass are reported.
//!
//!   cargo bench --bench core                  # corpus: bench/corpus/records-50mb.{json,ndjson}
//!   BENCH_CORPUS=path/to/records.json cargo bench --bench core
//!
//! The corpus comes from `node bench/gen-corpus.mjs` (npm run bench does it). Output: one JSON
//! object per path on stdout (for bench/report.mjs), a readable line per path on stderr.
//! Note: serde_json here is built with this crate's dev-dependency features (`preserve_order`,
//! `arbitrary_precision`), which make its `Value` a little slower than serde_json's defaults.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use cloudfront_trail::{transform, transform_log, transform_log_to_ndjson, Item, Options, Splitter};
use serde_json::Value;

// The race (issue 18): the flat profile on serde_json's streaming visitor and on jiter.
mod race;

struct Path<'a> {
    id: &'static str,
    label: &'static str,
    bytes: usize,
    /// Does the work once; returns the number of records that came out.
    run: Box<dyn FnMut() -> usize + 'a>,
}

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The naive DOM design the issue measures against: parse into a `Value` tree, flatten it into a
/// new map with dotted keys, serialise that map.
fn naive_flatten(v: &Value, prefix: &mut String, out: &mut serde_json::Map<String, Value>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                let len = prefix.len();
                if len > 0 {
                    prefix.push('.');
                }
                prefix.push_str(k);
                naive_flatten(child, prefix, out);
                prefix.truncate(len);
            }
        }
        _ => {
            out.insert(prefix.clone(), v.clone());
        }
    }
}

/// `BENCH_DUMP=file[:file...] BENCH_DUMP_DIR=dir`: writes `transform_log_to_ndjson` of each file
/// under 17 option sets (profiles, tracking and salvage on and off, key options) to `dir/<file index>-<set index>.ndjson` (an error as its message),
/// then exits. For checking that a change to the hot path keeps the output byte for byte (the
/// same sets as a hash script over the JS build can run).
fn dump(files: &str) {
    use cloudfront_trail::{Arrays, Profile};
    let dir = PathBuf::from(std::env::var("BENCH_DUMP_DIR").unwrap_or_else(|_| String::from(".")));
    let sets: Vec<Options> = vec![
        Options::default(),
        Options { profile: Profile::Ecs, ..Options::default() },
        Options { profile: Profile::Ocsf, ..Options::default() },
        Options { enrich: false, ..Options::default() },
        Options { arrays: Arrays::Index, ..Options::default() },
        Options { separator: '~', ..Options::default() },
        Options { separator: '/', ..Options::default() },
        Options { max_depth: 3, ..Options::default() },
        Options { max_fields: 20, ..Options::default() },
        Options { strict: true, ..Options::default() },
        Options { track: false, ..Options::default() },
        Options { separator: 'é', ..Options::default() },
        Options { salvage: true, ..Options::default() },
        Options { salvage: true, profile: Profile::Ecs, ..Options::default() },
        Options { salvage: true, profile: Profile::Ocsf, ..Options::default() },
        Options { track: false, profile: Profile::Ecs, ..Options::default() },
        Options { track: false, profile: Profile::Ocsf, ..Options::default() },
    ];
    for (i, f) in files.split(':').enumerate() {
        let data = std::fs::read(f).unwrap_or_default();
        for (k, o) in sets.iter().enumerate() {
            let out = match transform_log_to_ndjson(&data, o) {
                Ok((out, _)) => out,
                Err(e) => format!("ERR {e}").into_bytes(),
            };
            std::fs::write(dir.join(format!("{i}-{k}.ndjson")), out).expect("write dump");
        }
    }
}

fn main() {
    if let Ok(files) = std::env::var("BENCH_DUMP") {
        return dump(&files);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let file = std::env::var_os("BENCH_CORPUS").map(PathBuf::from).unwrap_or_else(|| root.join("bench/corpus/records-50mb.json"));
    let nd_file = file.with_extension("ndjson");
    let (bytes, nd) = match (std::fs::read(&file), std::fs::read(&nd_file)) {
        (Ok(b), Ok(n)) => (b, n),
        _ => {
            eprintln!(
                "bench core: corpus {} (+ .ndjson) not found; generate it with `node bench/gen-corpus.mjs` (or run `npm run bench`)",
                file.display()
            );
            std::process::exit(2);
        }
    };
    let reps = env_usize("BENCH_REPS", 5).max(1);
    let warmup = env_usize("BENCH_WARMUP", 1);
    let only = std::env::var("BENCH_ONLY").ok();
    let lines: Vec<&[u8]> = nd.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let n_records = lines.len();
    // BENCH_TRACK=0: change tracking off, to measure what it costs (on by default, as shipped).
    let track = std::env::var("BENCH_TRACK").map_or(true, |v| v != "0");
    let opts = Options { track, ..Options::default() };
    let no_enrich = Options { enrich: false, ..Options::default() };
    let salvage = Options { salvage: true, ..Options::default() };
    let ecs = Options { track, profile: cloudfront_trail::Profile::Ecs, ..Options::default() };
    let ocsf = Options { track, profile: cloudfront_trail::Profile::Ocsf, ..Options::default() };

    // The race's rows write the same NDJSON as `core-race-jsonrs` (checked here once, so a row
    // never times different work; tests/race.rs checks it record by record).
    let race_ndjson = |flatten: &dyn Fn(&[u8], &mut race::Flat) -> bool| -> (Vec<u8>, usize) {
        let mut f = race::Flat::default();
        let mut out = Vec::with_capacity(nd.len() * 2);
        let mut n = 0;
        for l in &lines {
            if flatten(l, &mut f) {
                out.extend_from_slice(&f.out);
                out.push(b'\n');
                n += 1;
            }
        }
        (out, n)
    };
    let serde_row = |l: &[u8], f: &mut race::Flat| race::serde_flat(l, f).is_ok();
    let jiter_row = |l: &[u8], f: &mut race::Flat| race::jiter_flat(l, f).is_ok();
    // BENCH_RACE_CHECK=0 skips the check (under callgrind, to count one row's instructions).
    let check = std::env::var("BENCH_RACE_CHECK").map_or(true, |v| v != "0");
    if check && only.as_deref().map_or(true, |ids| ids.contains("race")) {
        let ours = transform_log_to_ndjson(&nd, &no_enrich).map(|(o, _)| o).unwrap_or_default();
        for (name, row) in [("serde_json visitor", &serde_row as &dyn Fn(&[u8], &mut race::Flat) -> bool), ("jiter", &jiter_row)] {
            let (theirs, n) = race_ndjson(row);
            if theirs != ours || n != n_records {
                eprintln!("bench core: the {name} contender does not write json.rs's bytes on this corpus ({n} of {n_records} records)");
                std::process::exit(1);
            }
        }
    }

    let mut paths: Vec<Path<'_>> = vec![
        Path {
            id: "serde-value-log",
            label: "serde_json (crate dev-dep features): from_slice::<Value>, whole file",
            bytes: bytes.len(),
            run: Box::new(|| {
                let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                black_box(&v);
                v.get("Records").and_then(Value::as_array).map_or(0, Vec::len)
            }),
        },
        Path {
            id: "serde-value-record",
            label: "serde_json (crate dev-dep features): from_slice::<Value> per record",
            bytes: nd.len(),
            run: Box::new(|| {
                let mut n = 0;
                for l in &lines {
                    if let Ok(v) = serde_json::from_slice::<Value>(l) {
                        black_box(&v);
                        n += 1;
                    }
                }
                n
            }),
        },
        Path {
            id: "serde-naive-flatten",
            label: "serde_json (crate dev-dep features): naive DOM flatten",
            bytes: nd.len(),
            run: Box::new(|| {
                let mut out = Vec::with_capacity(nd.len() * 2);
                let mut n = 0;
                let mut prefix = String::new();
                for l in &lines {
                    if let Ok(v) = serde_json::from_slice::<Value>(l) {
                        let mut flat = serde_json::Map::new();
                        naive_flatten(&v, &mut prefix, &mut flat);
                        if serde_json::to_writer(&mut out, &flat).is_ok() {
                            out.push(b'\n');
                            n += 1;
                        }
                    }
                }
                black_box(&out);
                n
            }),
        },
        Path {
            id: "core-ndjson",
            label: "transform_log_to_ndjson (Records file)",
            bytes: bytes.len(),
            run: Box::new(|| match transform_log_to_ndjson(&bytes, &opts) {
                Ok((out, s)) => {
                    black_box(&out);
                    s.records as usize
                }
                Err(_) => 0,
            }),
        },
        Path {
            // Issue 15: valid records never reach the salvage reader, so this should match
            // core-ndjson (compare instruction counts under callgrind, bench/README.md).
            id: "core-ndjson-salvage",
            label: "transform_log_to_ndjson, salvage on (Records file, valid records)",
            bytes: bytes.len(),
            run: Box::new(|| match transform_log_to_ndjson(&bytes, &salvage) {
                Ok((out, s)) => {
                    black_box(&out);
                    s.records as usize
                }
                Err(_) => 0,
            }),
        },
        Path {
            id: "core-ndjson-noenrich",
            label: "transform_log_to_ndjson, enrich off (Records file)",
            bytes: bytes.len(),
            run: Box::new(|| match transform_log_to_ndjson(&bytes, &no_enrich) {
                Ok((out, s)) => {
                    black_box(&out);
                    s.records as usize
                }
                Err(_) => 0,
            }),
        },
        // Issue 19: the nested profiles against the flat one (target: within 1.5x of its time).
        Path {
            id: "core-ndjson-ecs",
            label: "transform_log_to_ndjson, profile ecs (Records file)",
            bytes: bytes.len(),
            run: Box::new(|| match transform_log_to_ndjson(&bytes, &ecs) {
                Ok((out, s)) => {
                    black_box(&out);
                    s.records as usize
                }
                Err(_) => 0,
            }),
        },
        Path {
            id: "core-ndjson-ocsf",
            label: "transform_log_to_ndjson, profile ocsf (Records file)",
            bytes: bytes.len(),
            run: Box::new(|| match transform_log_to_ndjson(&bytes, &ocsf) {
                Ok((out, s)) => {
                    black_box(&out);
                    s.records as usize
                }
                Err(_) => 0,
            }),
        },
        Path {
            id: "race-jsonrs",
            label: "race: flat, enrich off, NDJSON in → NDJSON out: json.rs",
            bytes: nd.len(),
            run: Box::new(|| match transform_log_to_ndjson(&nd, &no_enrich) {
                Ok((out, s)) => {
                    black_box(&out);
                    s.records as usize
                }
                Err(_) => 0,
            }),
        },
        Path {
            id: "race-jsonrs-per-record",
            label: "race: the same, json.rs through transform() per line",
            bytes: nd.len(),
            run: Box::new(|| {
                let mut out = Vec::with_capacity(nd.len() * 2);
                let mut n = 0;
                for l in &lines {
                    if let Ok(s) = transform(l, &no_enrich) {
                        out.extend_from_slice(s.as_bytes());
                        out.push(b'\n');
                        n += 1;
                    }
                }
                black_box(&out);
                n
            }),
        },
        Path {
            id: "race-serde-visitor",
            label: "race: the same on serde_json's streaming visitor",
            bytes: nd.len(),
            run: Box::new(|| {
                let (out, n) = race_ndjson(&serde_row);
                black_box(&out);
                n
            }),
        },
        Path {
            id: "race-jiter",
            label: "race: the same on jiter",
            bytes: nd.len(),
            run: Box::new(|| {
                let (out, n) = race_ndjson(&jiter_row);
                black_box(&out);
                n
            }),
        },
        Path {
            id: "race-serde-validate",
            label: "race: serde_json IgnoredAny per record (validation only)",
            bytes: nd.len(),
            run: Box::new(|| {
                lines.iter().filter(|l| serde_json::from_slice::<serde::de::IgnoredAny>(l).is_ok()).count()
            }),
        },
        Path {
            id: "race-jiter-validate",
            label: "race: jiter skip per record (validation only)",
            bytes: nd.len(),
            run: Box::new(|| {
                lines
                    .iter()
                    .filter(|l| {
                        let mut j = jiter::Jiter::new(l);
                        j.next_skip().is_ok() && j.finish().is_ok()
                    })
                    .count()
            }),
        },
        Path {
            id: "core-ndjson-from-ndjson",
            label: "transform_log_to_ndjson (NDJSON input)",
            bytes: nd.len(),
            run: Box::new(|| match transform_log_to_ndjson(&nd, &opts) {
                Ok((out, s)) => {
                    black_box(&out);
                    s.records as usize
                }
                Err(_) => 0,
            }),
        },
        Path {
            id: "core-log",
            label: "transform_log (one String per record)",
            bytes: bytes.len(),
            run: Box::new(|| match transform_log(&bytes, &opts) {
                Ok(log) => {
                    black_box(&log);
                    log.records.len()
                }
                Err(_) => 0,
            }),
        },
        Path {
            id: "core-splitter-64k",
            label: "Splitter::push in 64 KiB chunks (streaming)",
            bytes: bytes.len(),
            run: Box::new(|| {
                let Ok(mut sp) = Splitter::new(opts.clone()) else { return 0 };
                let mut n = 0usize;
                let mut out_bytes = 0usize;
                let mut sink = |item: Item<'_>| {
                    if let Item::Record(j) = item {
                        n += 1;
                        out_bytes += j.len();
                    }
                };
                for chunk in bytes.chunks(64 << 10) {
                    if sp.push(chunk, &mut sink).is_err() {
                        return 0;
                    }
                }
                let _ = sp.finish(&mut sink);
                black_box(out_bytes);
                n
            }),
        },
        Path {
            id: "core-transform-record",
            label: "transform(record) per record",
            bytes: nd.len(),
            run: Box::new(|| {
                let mut n = 0;
                for l in &lines {
                    if let Ok(s) = transform(l, &opts) {
                        black_box(&s);
                        n += 1;
                    }
                }
                n
            }),
        },
    ];
    // BENCH_ONLY=id[,id...]: just those paths (e.g. one path under callgrind or perf).
    if let Some(ids) = &only {
        paths.retain(|p| ids.split(',').any(|id| id == p.id));
    }

    let mut times: Vec<Vec<f64>> = vec![Vec::new(); paths.len()];
    let mut counts = vec![0usize; paths.len()];
    for round in 0..warmup + reps {
        for (i, p) in paths.iter_mut().enumerate() {
            let t0 = Instant::now();
            counts[i] = black_box((p.run)());
            let ms = t0.elapsed().as_secs_f64() * 1e3;
            if round >= warmup {
                times[i].push(ms);
            }
        }
        eprintln!("bench core: round {}/{}{}", round + 1, warmup + reps, if round < warmup { " (warm-up)" } else { "" });
    }

    let baseline_mbps = |id: &str| -> Option<f64> {
        let i = paths.iter().position(|p| p.id == id)?;
        Some(paths[i].bytes as f64 / 1e6 / (median(&times[i]) / 1e3))
    };
    let serde_log = baseline_mbps("serde-value-log");
    for (i, p) in paths.iter().enumerate() {
        let med = median(&times[i]);
        let best = times[i].iter().copied().fold(f64::INFINITY, f64::min);
        let mbps = p.bytes as f64 / 1e6 / (med / 1e3);
        let rps = n_records as f64 / (med / 1e3);
        println!(
            "{{\"id\":\"{}\",\"group\":\"native\",\"label\":\"{}\",\"bytes\":{},\"records\":{},\"recordsOut\":{},\"medianMs\":{:.3},\"bestMs\":{:.3},\"reps\":{}}}",
            p.id,
            p.label,
            p.bytes,
            n_records,
            counts[i],
            med,
            best,
            times[i].len()
        );
        let ratio = serde_log.map(|b| format!("  {:.2}x serde Value", mbps / b)).unwrap_or_default();
        eprintln!("{:<58} {:>8.1} MB/s {:>10.0} rec/s{}", p.label, mbps, rps, ratio);
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
