//! Shared by the fuzz targets: options decoded from two bytes, and the input wrappers
//! (gzip members, CloudWatch Logs subscription) built around fuzzer bytes.
#![allow(dead_code)]

use cloudfront_trail::{Arrays, Item, Log, Options, Profile};

/// True once the nested profiles are implemented (they are `todo!()` placeholders at first).
pub fn nested_profiles_ready() -> bool {
    !include_str!("../../src/profiles/ecs.rs").contains("todo!") && !include_str!("../../src/profiles/ocsf.rs").contains("todo!")
}

/// Every option combination from two bytes: arrays, enrich, separator, maxDepth, maxFields,
/// profile, strict, salvage. Limits stay small enough to be hit by fuzz-sized inputs.
pub fn options(a: u8, b: u8) -> Options {
    let profile = match b % 3 {
        1 if nested_profiles_ready() => Profile::Ecs,
        2 if nested_profiles_ready() => Profile::Ocsf,
        _ => Profile::Flat,
    };
    Options {
        profile,
        arrays: if a & 1 == 0 { Arrays::Keep } else { Arrays::Index },
        enrich: a & 2 != 0,
        // A multi-byte separator exercises the byte-level escaping.
        separator: ['.', '/', '_', '→'][(a >> 2 & 3) as usize],
        max_depth: [32, 1, 2, 1000][(a >> 4 & 3) as usize],
        max_fields: [10_000, 2, 3, 17][(a >> 6 & 3) as usize],
        max_record_bytes: if b & 4 != 0 { 1024 } else { 64 << 20 },
        max_decompressed_bytes: if b & 8 != 0 { 4096 } else { 1 << 30 },
        strict: b & 16 != 0,
        salvage: b & 32 != 0,
        // Change tracking keeps state between records: on and off, with a small cap.
        track: b & 64 != 0,
        track_max_resources: 4,
        // The rest (digests, geoip, rules, ...) as a user gets them by default.
        ..Options::default()
    }
}

/// A gzip member around `data`, with its real CRC32 and size (the reader checks both).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    v.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(data, 1));
    v.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v
}

pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(data.len() / 3 * 4 + 4);
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            if k <= c.len() {
                s.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// `data` as the message of one log event in a CloudWatch Logs subscription delivery.
pub fn cwl(data: &[u8]) -> Vec<u8> {
    let msg = serde_json::to_string(&String::from_utf8_lossy(data)).unwrap();
    let inner = format!(
        r#"{{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{{"id":"1","timestamp":1,"message":{msg}}}]}}"#
    );
    format!(r#"{{"awslogs":{{"data":"{}"}}}}"#, base64(&gzip(inner.as_bytes()))).into_bytes()
}

/// What a log gave, in a form to compare across ways of reading it.
pub fn items(log: &Log) -> (Vec<String>, Vec<(String, String)>) {
    (log.records.clone(), log.errors.iter().map(|b| (b.original.clone(), b.entry.clone())).collect())
}

/// A splitter's items in the same form as `items`: records as text, error entries as
/// (raw text, entry).
pub fn collect(item: Item<'_>, records: &mut Vec<String>, errors: &mut Vec<(String, String)>) {
    match item {
        Item::Record(j) => records.push(String::from_utf8_lossy(j).into_owned()),
        Item::Bad { original, entry, .. } => {
            errors.push((String::from_utf8_lossy(original).into_owned(), String::from_utf8_lossy(entry).into_owned()))
        }
    }
}

/// Every output document (record or error entry) must be one JSON object.
pub fn assert_json_objects(log: &Log) {
    for r in log.records.iter().chain(log.errors.iter().map(|b| &b.entry)) {
        assert_object(r);
    }
}

/// `text` is one JSON object. serde_json rejects escaped surrogates that do not pair up
/// (`"\\udc00"`), which JSON's grammar and JSON.parse allow and which the crate passes through
/// unchanged, so those escapes are neutralised before parsing.
pub fn assert_object(text: &str) {
    let t = without_surrogate_escapes(text.as_bytes());
    match parse(&t) {
        Ok(serde_json::Value::Object(_)) => {}
        other => panic!("output is not a JSON object: {other:?}\n{text}"),
    }
}

fn without_surrogate_escapes(b: &[u8]) -> Vec<u8> {
    let mut out = b.to_vec();
    let mut i = 0;
    while i + 1 < out.len() {
        if out[i] != b'\\' {
            i += 1;
            continue;
        }
        if out[i + 1] == b'u' && i + 6 <= out.len() {
            let hex = std::str::from_utf8(&out[i + 2..i + 6]).ok().and_then(|h| u16::from_str_radix(h, 16).ok());
            if matches!(hex, Some(0xD800..=0xDFFF)) {
                out[i + 2..i + 6].copy_from_slice(b"003f");
            }
            i += 6;
        } else {
            i += 2;
        }
    }
    out
}

/// Parses JSON without serde_json's 128-level recursion limit (the crate allows 512 levels).
pub fn parse(text: &[u8]) -> serde_json::Result<serde_json::Value> {
    use serde::Deserialize;
    let mut de = serde_json::Deserializer::from_slice(text);
    de.disable_recursion_limit();
    let v = serde_json::Value::deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}
