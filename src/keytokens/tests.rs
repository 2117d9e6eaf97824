#![cfg(not(target_arch = "wasm32"))]
use super::*;
use crate::Options;
use alloc::string::String;

fn encode_all(t: &mut KeyTokens, text: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (mut out, mut enr) = (Vec::new(), Vec::new());
    t.encode(text, &mut out, &mut enr);
    (out, enr)
}

/// Every output line of the core, for every fixture of the repository and every sample of
/// ../shared (when there): with and without enrichment, flat profile.
fn core_outputs() -> Vec<Vec<u8>> {
    let files = crate::test_util::sample_files(8 << 20, true);
    let mut outs = Vec::new();
    for opts in [r#"{"salvage":true}"#, r#"{"enrich":false}"#] {
        let o = Options::from_json(opts).unwrap();
        for f in &files {
            if let Ok((text, _)) = crate::transform_log_to_ndjson(&std::fs::read(f).unwrap(), &o) {
                outs.push(text);
            }
        }
    }
    assert!(outs.len() > 50, "only {} outputs", outs.len());
    outs
}

#[test]
fn round_trip_on_every_core_output() {
    let mut t = KeyTokens::default();
    let (mut lines, mut enriched) = (0, 0);
    for text in core_outputs() {
        // The core writes no byte a token is made of.
        assert!(!text.iter().any(|&c| c < 0x20 && c != b'\n'), "a control byte in the core's output");
        let (out, enr) = encode_all(&mut t, &text);
        assert_eq!(decode(&t.keys, &out), text);
        assert!(out.len() <= text.len());
        let (ol, el): (Vec<_>, Vec<_>) = (out.split(|&c| c == b'\n').collect(), enr.split(|&c| c == b'\n').collect());
        let tl: Vec<_> = text.split(|&c| c == b'\n').filter(|l| !l.is_empty()).collect();
        assert_eq!(ol.len(), tl.len() + 1);
        assert_eq!(el.len(), tl.len() + 1);
        for (k, line) in tl.iter().enumerate() {
            lines += 1;
            // The enrichment: from the last top-level `"@timestamp"` on, as a JSON object.
            let s = core::str::from_utf8(line).unwrap();
            let v: serde_json::Value = serde_json::from_str(s).unwrap();
            let at = s.rfind(",\"@timestamp\":");
            if el[k].is_empty() {
                assert!(v.get("@timestamp").is_none() || at.is_none(), "{s}");
            } else {
                enriched += 1;
                // (the whole line when the enrichment is all it has)
                let from = at.map_or(1, |a| a + 1);
                assert!(at.is_some() || s.starts_with("{\"@timestamp\":"), "{s}");
                assert_eq!(el[k], format!("{{{}", &s[from..]).as_bytes());
                let e: serde_json::Value = serde_json::from_slice(el[k]).unwrap();
                assert!(e.get("@timestamp").is_some());
            }
            // Keys are tokens, so the line has no `":` left outside its values' strings.
            assert!(!ol[k].starts_with(b"{\""), "{s}");
        }
    }
    assert!(lines > 1000 && enriched > 500, "{lines} lines, {enriched} enriched");
}

#[test]
fn tokens_are_short_and_new_keys_are_given_once() {
    let mut t = KeyTokens::default();
    let (out, _) = encode_all(&mut t, b"{\"a\":1,\"b.c\":\"x,}\\\"y\",\"d\":[1,{\"e\":2}]}\n{\"b.c\":null}\n");
    assert_eq!(out, b"{\x01\x051,\x01\x06\"x,}\\\"y\",\x01\x07[1,{\"e\":2}]}\n{\x01\x06null}\n");
    assert_eq!(t.new_keys(), b"\"a\"\n\"b.c\"\n\"d\"");
    assert_eq!(t.new_keys(), b"");
    // A table seeded with the keys goes on with the same ids.
    let mut u = KeyTokens::with_keys(t.keys.iter().map(|k| k.as_slice()));
    let (again, _) = encode_all(&mut u, b"{\"d\":true,\"z\":0}\n");
    assert_eq!(again, b"{\x01\x07true,\x01\x080}\n");
    assert_eq!(u.new_keys(), b"\"z\"");
}

#[test]
fn token_lengths_at_each_boundary() {
    for (id, len) in [(0, 2), (BASE - 1, 2), (BASE, 3), (BASE + BASE * BASE - 1, 3), (BASE + BASE * BASE, 4), (CAPACITY - 1, 5)] {
        let mut out = Vec::new();
        push_token(&mut out, id);
        assert_eq!(out.len(), len, "id {id}");
        let keys: Vec<Vec<u8>> = (0..=id).map(|k| if k == id { b"\"k\"".to_vec() } else { Vec::new() }).collect();
        assert_eq!(decode(&keys, &out), b"\"k\":", "id {id}");
    }
}

#[test]
fn past_capacity_keys_stay_as_they_are() {
    let keys: Vec<Vec<u8>> = (0..CAPACITY).map(|k| format!("\"{k}\"").into_bytes()).collect();
    let mut t = KeyTokens::with_keys(keys.iter().map(|k| k.as_slice()));
    let (out, _) = encode_all(&mut t, b"{\"0\":1,\"new\":2}\n");
    assert_eq!(out, b"{\x01\x051,\"new\":2}\n");
    assert_eq!(decode(&t.keys, &out), b"{\"0\":1,\"new\":2}\n");
}

#[test]
fn a_broken_line_never_takes_the_next_one_with_it() {
    for first in [&b"{\"a\":\"open"[..], b"{\"a\":[1,", b"{\"a\":1", b"{\"a\":\"x\\", b"{\"a\""] {
        let mut t = KeyTokens::default();
        let mut text = first.to_vec();
        text.extend_from_slice(b"\n{\"b\":\"}\",\"c\":1}\n");
        let (out, enr) = encode_all(&mut t, &text);
        assert_eq!(decode(&t.keys, &out), text);
        let lines: Vec<_> = out.split(|&c| c == b'\n').collect();
        assert_eq!(lines[0], first, "{}", String::from_utf8_lossy(first));
        assert!(lines[1].starts_with(b"{\x01") && !lines[1].contains(&b':'), "{}", String::from_utf8_lossy(&out));
        assert_eq!(enr, b"\n\n");
    }
}

#[test]
fn lines_that_are_not_compact_objects_are_copied() {
    for line in [&b"not json"[..], b"[1,2]", b"{\"a\" :1}", b"{\"a\":1", b"{\"a\":1} ", b"{\"a\":}", b"{\"a\":\"open}", b"{,}", b"{\"a\":[1,2}"] {
        let mut t = KeyTokens::default();
        let mut text = line.to_vec();
        text.push(b'\n');
        let (out, enr) = encode_all(&mut t, &text);
        assert_eq!(out, text, "{}", String::from_utf8_lossy(line));
        assert_eq!(enr, b"\n");
    }
}

use proptest::prelude::*;

proptest! {
    #[test]
    fn round_trip_on_any_object(members in proptest::collection::vec(("[a-z.@\"\\\\é]{0,12}", prop_oneof![
        Just(serde_json::Value::Null),
        any::<i64>().prop_map(serde_json::Value::from),
        "[ -~é\\n]{0,20}".prop_map(serde_json::Value::from),
        proptest::collection::vec("[a-z{}\\[\\],\"]{0,5}", 0..3).prop_map(|v| serde_json::json!(v)),
    ]), 0..8)) {
        let mut line = String::from("{");
        for (n, (k, v)) in members.iter().enumerate() {
            if n > 0 { line.push(','); }
            line.push_str(&serde_json::to_string(k).unwrap());
            line.push(':');
            line.push_str(&serde_json::to_string(v).unwrap());
        }
        line.push_str("}\n");
        let mut t = KeyTokens::default();
        let (out, enr) = encode_all(&mut t, line.as_bytes());
        prop_assert_eq!(decode(&t.keys, &out), line.as_bytes());
        // What crosses to JS as text (src/wasm.rs fails rather than drop a text that is not).
        prop_assert!(core::str::from_utf8(&out).is_ok() && core::str::from_utf8(&enr).is_ok() && core::str::from_utf8(&t.new_keys()).is_ok());
    }
}

