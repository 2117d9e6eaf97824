//! Error entries carry where the problem is as data (`error.line`, `error.column` within
//! `event.original`, counting from one), not only inside the message text.
#![cfg(not(target_arch = "wasm32"))] // native suite; the wasm one is tests/wasm.rs

use cloudfront_trail::{transform_log, Options};
use serde_json::Value;

fn entries(input: &str) -> Vec<serde_json::Map<String, Value>> {
    let log = transform_log(input.as_bytes(), &Options { enrich: false, ..Options::default() }).unwrap();
    log.errors.iter().map(|b| serde_json::from_str::<Value>(&b.entry).unwrap().as_object().unwrap().clone()).collect()
}

/// The character at (line, column) of `text`, both from one, the column in bytes.
fn at(text: &str, line: u64, column: u64) -> u8 {
    let l = text.split('\n').nth(line as usize - 1).unwrap();
    l.as_bytes()[column as usize - 1]
}

fn pos(e: &serde_json::Map<String, Value>) -> (u64, u64) {
    (e["error.line"].as_u64().expect("error.line"), e["error.column"].as_u64().expect("error.column"))
}

#[test]
fn a_broken_ndjson_line_has_its_position_as_data() {
    let good = r#"{"eventVersion":"1.08","eventName":"A"}"#;
    let input = format!("{good}\n{{\"eventVersion\":\"1.08\",\"x\": {{ oops }} }}\n{good}\n");
    let e = entries(&input);
    assert_eq!(e.len(), 1);
    let (l, c) = pos(&e[0]);
    let original = e[0]["event.original"].as_str().unwrap();
    assert_eq!((l, c), (1, 31));
    assert_eq!(at(original, l, c), b'o', "points at the bad token in {original:?}");
    // The message text still says it, for people.
    let msg = e[0]["error.message"].as_str().unwrap();
    assert!(msg.contains(&format!("line {l}, column {c}")), "{msg}");
    assert_eq!(e[0]["error.record"], 1);
}

#[test]
fn a_multi_line_record_counts_lines_within_its_own_text() {
    // One record spread over lines inside a CloudTrail file's Records array.
    let input = "{\"Records\":[{\"eventVersion\":\"1.08\",\n\"eventName\":\"A\"},\n{\"eventVersion\":\"1.08\",\n  \"x\": tru }]}";
    let e = entries(input);
    assert_eq!(e.len(), 1, "{e:?}");
    let (l, c) = pos(&e[0]);
    let original = e[0]["event.original"].as_str().unwrap();
    assert_eq!(l, 2, "{original:?}");
    assert_eq!(at(original, l, c), b't', "{original:?} at {l}:{c}");
}
