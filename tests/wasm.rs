//! The exported wasm API (src/wasm.rs), run inside WebAssembly by `wasm-pack test --node` and
//! `wasm-pack test --headless --chrome` at the crate root (the other test files are native-only
//! and build empty for wasm32).
//! Errors are checked as the JS side sees them: properties of a JS `Error`.
#![cfg(target_arch = "wasm32")]

use cloudfront_trail::wasm;
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

const RECORD: &str = r#"{"eventVersion":"1.09","eventTime":"2024-03-14T11:31:09Z","eventSource":"cloudfront.amazonaws.com","eventName":"CreateInvalidation2020_05_31","awsRegion":"us-east-1","requestParameters":{"distributionId":"E2QWRUHEXAMPLE","invalidationBatch":{"paths":{"quantity":1,"items":["/*"]}}},"responseElements":null}"#;

// The doc example's failure mode in small: the second record has a placeholder that is not JSON.
const BROKEN_LOG: &str = "{\"Records\":[{\"eventName\":\"GetDistribution2014_01_31\",\"n\":1},\n{\"eventName\":\"UpdateDistribution2014_01_31\",\"responseElements\":{ distributionConfig response omitted }},\n{\"eventName\":\"ListDistributions2014_01_31\",\"n\":3}]}";

fn prop(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).expect("Reflect.get")
}

/// Options as the shim passes them: a JS object (or, for the tests of wrong options, whatever
/// the text is as a JS value).
fn o(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap_or_else(|_| JsValue::from_str(text))
}

fn parse(text: &str) -> JsValue {
    js_sys::JSON::parse(text).expect("valid JSON from the core")
}

fn get(obj: &JsValue, key: &str) -> Option<String> {
    let v = prop(obj, key);
    if v.is_undefined() {
        return None;
    }
    Some(v.as_string().unwrap_or_else(|| js_sys::JSON::stringify(&v).map(String::from).unwrap_or_default()))
}

/// A gzip member with one stored (uncompressed) deflate block: enough to test detection and
/// limits without a compressor in the test.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    assert!(data.len() < 65535);
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.push(1); // BFINAL=1, BTYPE=00 (stored)
    let len = data.len() as u16;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    out.extend_from_slice(&(!crc).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[wasm_bindgen_test]
fn transform_flattens_nested_keys() {
    let out = parse(&wasm::transform_text(RECORD, &o("{}")).unwrap());
    assert_eq!(get(&out, "requestParameters.distributionId").as_deref(), Some("E2QWRUHEXAMPLE"));
    assert_eq!(get(&out, "requestParameters.invalidationBatch.paths.quantity").as_deref(), Some("1"));
    assert_eq!(get(&out, "eventName").as_deref(), Some("CreateInvalidation2020_05_31"));
    // Nested objects do not survive as objects under their own key.
    assert!(get(&out, "requestParameters").is_none());
}

#[wasm_bindgen_test]
fn transform_bytes_equals_transform_text() {
    assert_eq!(wasm::transform_bytes(RECORD.as_bytes(), &o("{}")).unwrap(), wasm::transform_text(RECORD, &o("{}")).unwrap());
}

#[wasm_bindgen_test]
fn enrich_false_adds_no_keys() {
    let plain = parse(&wasm::transform_text(RECORD, &o(r#"{"enrich":false}"#)).unwrap());
    let keys = js_sys::Object::keys(&plain.clone().into()).length();
    // 9 leaves in RECORD after flattening (the array stays one value).
    assert_eq!(keys, 9);
    let enriched = parse(&wasm::transform_text(RECORD, &o("{}")).unwrap());
    assert!(js_sys::Object::keys(&enriched.into()).length() > keys);
}

#[wasm_bindgen_test]
fn non_object_record_is_a_record_error_with_position() {
    let e = wasm::transform_text("  [1, 2]", &o("{}")).unwrap_err();
    assert!(e.is_instance_of::<js_sys::Error>());
    assert_eq!(prop(&e, "kind").as_string().as_deref(), Some("record"));
    assert_eq!(prop(&e, "offset").as_f64(), Some(2.0));
    assert_eq!(prop(&e, "line").as_f64(), Some(1.0));
    assert_eq!(prop(&e, "column").as_f64(), Some(3.0));
}

#[wasm_bindgen_test]
fn syntax_error_reports_line_and_column() {
    let e = wasm::transform_text("{\n  \"a\": 1,\n  \"b\": tru\n}", &o("{}")).unwrap_err();
    assert_eq!(prop(&e, "kind").as_string().as_deref(), Some("syntax"));
    assert_eq!(prop(&e, "line").as_f64(), Some(3.0));
    let msg = prop(&e, "message").as_string().unwrap();
    assert!(msg.contains("line 3"), "{msg}");
}

#[wasm_bindgen_test]
fn unknown_and_mistyped_options_are_option_errors() {
    for opts in [r#"{"bogus":1}"#, r#"{"enrich":"yes"}"#, r#"{"maxDepth":-1}"#, r#"{"maxFields":1}"#, r#"{"profile":"xml"}"#, "[1]", "nope"] {
        let e = wasm::transform_text(RECORD, &o(opts)).unwrap_err();
        assert_eq!(prop(&e, "kind").as_string().as_deref(), Some("option"), "{opts}");
    }
    assert!(wasm::check_options(&o(r#"{"profile":"flat","enrich":true,"arrays":"index","separator":"/","maxDepth":4,"maxFields":100,"maxDecompressedBytes":1048576,"strict":false,"maxRecordBytes":4096}"#)).is_ok());
    // null means "the default".
    assert!(wasm::check_options(&o(r#"{"profile":null}"#)).is_ok());
    assert!(wasm::check_options(&JsValue::UNDEFINED).is_ok());
    // Read from the object (serde-wasm-bindgen): the messages name the option and what it must be,
    // and a misspelt one is met (a struct read by known names alone would pass over it).
    for (opts, want) in [
        (r#"{"enrich":"yes"}"#, "option: enrich must be true or false"),
        (r#"{"maxDepth":1.5}"#, "option: maxDepth must be a non-negative integer"),
        (r#"{"separator":"ab"}"#, "option: separator must be exactly one character"),
        (r#"{"profile":"xml"}"#, r#"option: unknown profile "xml": expected "flat", "ecs" or "ocsf""#),
        (r#"{"enrich":false,"profil":"ecs"}"#, "option: unknown option `profil`, expected one of `profile`, `enrich`,"),
        ("[1]", "option: options must be an object"),
    ] {
        let e = wasm::check_options(&o(opts)).unwrap_err();
        let msg = prop(&e, "message").as_string().unwrap_or_default();
        assert!(msg.starts_with(want), "{opts}: {msg}");
    }
}

#[wasm_bindgen_test]
fn separator_option_changes_the_joint() {
    let out = parse(&wasm::transform_text(RECORD, &o(r#"{"separator":"/","enrich":false}"#)).unwrap());
    assert_eq!(get(&out, "requestParameters/distributionId").as_deref(), Some("E2QWRUHEXAMPLE"));
    let e = wasm::transform_text(RECORD, &o(r#"{"separator":"~"}"#)).unwrap_err();
    assert_eq!(prop(&e, "kind").as_string().as_deref(), Some("option"));
    let e = wasm::transform_text(RECORD, &o(r#"{"separator":"ab"}"#)).unwrap_err();
    assert_eq!(prop(&e, "kind").as_string().as_deref(), Some("option"));
}

#[wasm_bindgen_test]
fn arrays_index_gives_element_keys() {
    let out = parse(&wasm::transform_text(RECORD, &o(r#"{"arrays":"index","enrich":false}"#)).unwrap());
    assert_eq!(get(&out, "requestParameters.invalidationBatch.paths.items.0").as_deref(), Some("/*"));
    let kept = parse(&wasm::transform_text(RECORD, &o(r#"{"enrich":false}"#)).unwrap());
    assert_eq!(get(&kept, "requestParameters.invalidationBatch.paths.items").as_deref(), Some("[\"/*\"]"));
}

#[wasm_bindgen_test]
fn transform_log_keeps_neighbours_of_a_broken_record() {
    let log = parse(&wasm::transform_log_text(BROKEN_LOG, &o("{}")).unwrap());
    assert_eq!(prop(&log, "format").as_string().as_deref(), Some("cloudtrail"));
    assert_eq!(prop(&log, "gzip").as_bool(), Some(false));
    let records = js_sys::Array::from(&prop(&log, "records"));
    let errors = js_sys::Array::from(&prop(&log, "errors"));
    assert_eq!(records.length(), 2);
    assert_eq!(errors.length(), 1);
    assert_eq!(get(&records.get(0), "n").as_deref(), Some("1"));
    assert_eq!(get(&records.get(1), "n").as_deref(), Some("3"));
    let entry = errors.get(0);
    assert!(get(&entry, "error.message").is_some());
    assert!(get(&entry, "event.original").unwrap().contains("distributionConfig response omitted"));
}

#[wasm_bindgen_test]
fn formats_are_detected_by_content() {
    let cases = [
        ("{\"a\":1}\n{\"a\":2}\n", "ndjson", 2),
        ("[{\"a\":1},{\"a\":2},{\"a\":3}]", "array", 3),
        ("{\n  \"a\": 1\n}", "record", 1),
        ("{\"detail-type\":\"AWS API Call via CloudTrail\",\"source\":\"aws.cloudfront\",\"detail\":{\"eventName\":\"X\"}}", "eventbridge", 1),
        ("{\"Events\":[{\"EventId\":\"1\",\"CloudTrailEvent\":\"{\\\"eventName\\\":\\\"Y\\\"}\"}]}", "lookup-events", 1),
    ];
    for (input, format, n) in cases {
        let log = parse(&wasm::transform_log_text(input, &o("{}")).unwrap());
        assert_eq!(prop(&log, "format").as_string().as_deref(), Some(format), "{input}");
        assert_eq!(js_sys::Array::from(&prop(&log, "records")).length(), n, "{input}");
    }
}

#[wasm_bindgen_test]
fn gzip_is_detected_by_magic_bytes() {
    let gz = gzip_stored(b"{\"a\":1}\n{\"a\":2}\n");
    let log = parse(&wasm::transform_log_bytes(&gz, &o("{}")).unwrap());
    assert_eq!(prop(&log, "gzip").as_bool(), Some(true));
    assert_eq!(js_sys::Array::from(&prop(&log, "records")).length(), 2);
}

#[wasm_bindgen_test]
fn truncated_gzip_is_an_input_error() {
    let gz = gzip_stored(b"{\"a\":1}\n{\"a\":2}\n");
    let e = wasm::transform_log_bytes(&gz[..gz.len() - 12], &o("{}")).unwrap_err();
    assert_eq!(prop(&e, "kind").as_string().as_deref(), Some("input"), "{:?}", prop(&e, "message"));
}

#[wasm_bindgen_test]
fn decompression_past_the_limit_is_a_limit_error() {
    let mut body = Vec::new();
    while body.len() < 8000 {
        body.extend_from_slice(b"{\"eventName\":\"CreateInvalidation\"}\n");
    }
    let gz = gzip_stored(&body);
    let e = wasm::transform_log_bytes(&gz, &o(r#"{"maxDecompressedBytes":4096}"#)).unwrap_err();
    assert_eq!(prop(&e, "kind").as_string().as_deref(), Some("limit"));
    // The same input under the default limit reads fine: the instance is not poisoned.
    assert!(wasm::transform_log_bytes(&gz, &o("{}")).is_ok());
}

#[wasm_bindgen_test]
fn very_deep_nesting_is_an_error_entry_not_a_crash() {
    let depth = 200_000;
    let mut s = String::with_capacity(depth * 6 + 16);
    s.push_str("{\"a\":1}\n");
    for _ in 0..depth {
        s.push_str("{\"x\":");
    }
    s.push('1');
    for _ in 0..depth {
        s.push('}');
    }
    s.push_str("\n{\"a\":2}\n");
    let log = parse(&wasm::transform_log_text(&s, &o("{}")).unwrap());
    assert_eq!(js_sys::Array::from(&prop(&log, "records")).length(), 2);
    assert_eq!(js_sys::Array::from(&prop(&log, "errors")).length(), 1);
    // And the instance still works.
    assert!(wasm::transform_text(RECORD, &o("{}")).is_ok());
}

#[wasm_bindgen_test]
fn invalid_utf8_is_an_error_entry() {
    let input = b"{\"a\":1}\n{\"b\":\"\xff\"}\n{\"c\":3}\n";
    let log = parse(&wasm::transform_log_bytes(input, &o("{}")).unwrap());
    assert_eq!(js_sys::Array::from(&prop(&log, "records")).length(), 2);
    let errors = js_sys::Array::from(&prop(&log, "errors"));
    assert_eq!(errors.length(), 1);
    assert!(get(&errors.get(0), "error.message").unwrap().contains("UTF-8"));
}

/// A whole log through the in-place route as js/core.mjs drives it (logInput, ndjsonInPlace,
/// logOutput, logRelease); `ascii`: the text route's output.
fn ndjson_in_place(input: &[u8], opts: &str, ascii: bool) -> Vec<u8> {
    let at = wasm::log_input(input.len(), 0);
    // SAFETY: log_input made room for input.len() bytes starting at `at`.
    unsafe { core::ptr::copy_nonoverlapping(input.as_ptr(), at as *mut u8, input.len()) };
    let n = wasm::ndjson_in_place(input.len(), &o(opts), ascii, false).unwrap();
    // SAFETY: the output buffer holds n bytes at log_output() until log_release.
    let out = unsafe { core::slice::from_raw_parts(wasm::log_output() as *const u8, n) }.to_vec();
    wasm::log_release();
    out
}

#[wasm_bindgen_test]
fn ndjson_text_and_bytes_agree_and_keep_error_entries_inline() {
    let text = String::from_utf8(ndjson_in_place(BROKEN_LOG.as_bytes(), "{}", true)).unwrap();
    let bytes = ndjson_in_place(BROKEN_LOG.as_bytes(), "{}", false);
    assert_eq!(text.as_bytes(), &bytes[..]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    // Input order: record, error entry, record.
    assert!(lines[1].contains("\"error.message\""));
    assert!(text.ends_with('\n'));
}

#[wasm_bindgen_test]
fn strict_throws_at_the_first_bad_record() {
    let e = wasm::transform_log_text(BROKEN_LOG, &o(r#"{"strict":true}"#)).unwrap_err();
    let kind = prop(&e, "kind").as_string().unwrap();
    assert!(kind == "syntax" || kind == "record", "{kind}");
}

#[wasm_bindgen_test]
fn unflatten_inverts_flattening_with_escapes() {
    let original = r#"{"a.b":{"c~d":1,"__proto__":{"x":[{"y.z":2}]}},"constructor":null}"#;
    let flat = wasm::transform_text(original, &o(r#"{"enrich":false}"#)).unwrap();
    // The separator inside a key is escaped as ~1, a tilde as ~0.
    assert!(flat.contains("a~1b.c~0d"), "{flat}");
    assert_eq!(wasm::unflatten(&flat, &o("{}")).unwrap(), original);
    let e = wasm::unflatten("[1]", &o("{}")).unwrap_err();
    assert_eq!(prop(&e, "kind").as_string().as_deref(), Some("record"));
}

#[wasm_bindgen_test]
fn splitter_in_tiny_chunks_matches_the_whole() {
    let whole = String::from_utf8(ndjson_in_place(BROKEN_LOG.as_bytes(), "{}", true)).unwrap();
    for size in [1usize, 2, 3, 7] {
        let mut sp = wasm::WasmSplitter::new(&o("{}")).unwrap();
        let mut out = String::new();
        for chunk in BROKEN_LOG.as_bytes().chunks(size) {
            out.push_str(&sp.push(chunk).unwrap());
        }
        out.push_str(&sp.finish().unwrap());
        assert_eq!(out, whole, "chunk size {size}");
        assert_eq!(sp.records(), 2.0);
        assert_eq!(sp.errors(), 1.0);
        assert_eq!(sp.format(), "cloudtrail");
    }
}

#[wasm_bindgen_test]
fn splitter_reads_gzip_across_chunks() {
    let gz = gzip_stored(b"{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
    let mut sp = wasm::WasmSplitter::new(&o(r#"{"enrich":false}"#)).unwrap();
    let mut out = String::new();
    for chunk in gz.chunks(5) {
        out.push_str(&sp.push(chunk).unwrap());
    }
    out.push_str(&sp.finish().unwrap());
    assert_eq!(out, "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
    assert!(sp.gzip());
}

#[wasm_bindgen_test]
fn splitter_rejects_push_after_finish_and_bad_options() {
    let mut sp = wasm::WasmSplitter::new(&o("{}")).unwrap();
    let out = sp.push(b"{\"a\":1}").unwrap() + &sp.finish().unwrap();
    assert_eq!(out.lines().count(), 1);
    assert!(sp.push(b"{\"a\":2}").is_err());
    let e = wasm::WasmSplitter::new(&o(r#"{"arrays":"explode"}"#)).err().unwrap();
    assert_eq!(prop(&e, "kind").as_string().as_deref(), Some("option"));
}

#[wasm_bindgen_test]
fn empty_input_gives_no_records_and_one_error_entry() {
    let log = parse(&wasm::transform_log_text("", &o("{}")).unwrap());
    assert_eq!(js_sys::Array::from(&prop(&log, "records")).length(), 0);
    assert_eq!(js_sys::Array::from(&prop(&log, "errors")).length(), 1);
    assert_eq!(prop(&log, "format").as_string().as_deref(), Some("empty"));
}
