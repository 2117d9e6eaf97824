//! Lossless flattening: with enrichment off, `unflatten(transform(x)) == x` for every JSON object,
//! including the awkward keys (separator, `~`, empty, `__proto__`), empty containers, unicode and
//! integers beyond 2^53 (compared exactly: serde_json here keeps numbers as written).
#![cfg(not(target_arch = "wasm32"))] // native suite; the wasm one is tests/wasm.rs

use cloudfront_trail::{transform, unflatten, Arrays, Options};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn opts() -> Options {
    Options { enrich: false, max_depth: 1000, max_fields: 1_000_000, ..Options::default() }
}

fn roundtrip(text: &str, o: &Options) -> (String, String) {
    let flat = transform(text.as_bytes(), o).unwrap_or_else(|e| panic!("transform {text}: {e}"));
    let back = unflatten(flat.as_bytes(), o).unwrap_or_else(|e| panic!("unflatten {flat}: {e}"));
    (flat, back)
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON: {e}: {s}"))
}

#[test]
fn awkward_keys_and_values_round_trip() {
    let cases = [
        r#"{"a.b": 1, "a": {"b": 2}, "~": {"~1": "x", ".": "y"}}"#,
        r#"{"": {"": {"": 0}}, "x": {"": 1}}"#,
        r#"{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}"#,
        r#"{"e": {}, "f": [], "g": [{}, [], [[]]], "h": {"i": {}}}"#,
        r#"{"big": 123456789012345678901234567890, "neg": -9007199254740993, "f": 1.5e300, "z": -0.0}"#,
        r#"{"u": "h\u00e9llo \ud83d\ude00 \"q\" \\ \n", "é": {"ключ": "值"}, "esc\"key": 1, "k\u002ey": 2}"#,
        r#"{"arr": [{"a": {"b": 1}}, {"a.b": 2}, 3, "s", null, true]}"#,
        r#"{"t": true, "f": false, "n": null, "nested": {"n": null}}"#,
    ];
    for case in cases {
        let (flat, back) = roundtrip(case, &opts());
        assert_eq!(parse(&back), parse(case), "flat: {flat}");
    }
}

#[test]
fn escape_rule_is_the_documented_one() {
    let (flat, _) = roundtrip(r#"{"a.b": {"c~d": 1}}"#, &opts());
    assert_eq!(parse(&flat), parse(r#"{"a~1b.c~0d": 1}"#));
    let slash = Options { separator: '/', ..opts() };
    let (flat, back) = roundtrip(r#"{"a/b": {"c.d": 1}}"#, &slash);
    assert_eq!(parse(&flat), parse(r#"{"a~1b/c.d": 1}"#));
    assert_eq!(parse(&back), parse(r#"{"a/b": {"c.d": 1}}"#));
}

#[test]
fn arrays_keep_and_index() {
    let rec = r#"{"origins": {"items": [{"id": "a", "cfg": {"port": 80}}, {"id": "b"}], "quantity": 2}}"#;
    let (flat, _) = roundtrip(rec, &opts());
    assert_eq!(
        parse(&flat),
        parse(r#"{"origins.items": [{"id": "a", "cfg.port": 80}, {"id": "b"}], "origins.quantity": 2}"#)
    );
    let index = Options { arrays: Arrays::Index, ..opts() };
    let (flat, back) = roundtrip(rec, &index);
    assert_eq!(
        parse(&flat),
        parse(r#"{"origins.items.0.id": "a", "origins.items.0.cfg.port": 80, "origins.items.1.id": "b", "origins.quantity": 2}"#)
    );
    assert_eq!(parse(&back), parse(rec));
}

#[test]
fn max_depth_keeps_the_subtree_as_a_json_string() {
    let o = Options { max_depth: 2, ..opts() };
    let (flat, _) = roundtrip(r#"{"a": {"b": {"c": {"d": 1}}, "x": 2}}"#, &o);
    assert_eq!(parse(&flat), parse(r#"{"a.b": "{\"c\":{\"d\":1}}", "a.x": 2}"#));
}

#[test]
fn max_fields_overflow_is_lossless() {
    let rec = r#"{"a": 1, "b": {"c": 2, "d": {"e": 3, "f": 4}, "g": [5]}, "h": 6, "i.j": {"k": 7}}"#;
    for max in 2..9 {
        let o = Options { max_fields: max, ..opts() };
        let (flat, back) = roundtrip(rec, &o);
        let fields = parse(&flat).as_object().map(Map::len).unwrap_or(0);
        assert!(fields <= max, "max {max}: {fields} fields in {flat}");
        assert_eq!(parse(&back), parse(rec), "max {max}: flat {flat}");
    }
    let o = Options { max_fields: 3, arrays: Arrays::Index, ..opts() };
    let rec = r#"{"a": [1, 2, {"x": [3, 4]}], "b": 5}"#;
    let (flat, back) = roundtrip(rec, &o);
    assert_eq!(parse(&back), parse(rec), "flat {flat}");
}

#[test]
fn not_an_object_is_a_clear_error() {
    for (input, what) in [("[1]", "must be a JSON object"), ("", "end of input"), ("{\"a\":1} x", "after the record"), ("{\"a\":}", "expected a JSON value")] {
        let e = transform(input.as_bytes(), &opts()).unwrap_err();
        assert!(e.to_string().contains(what), "{input}: {e}");
    }
    let e = transform(b"{\"a\": \"\xff\"}", &opts()).unwrap_err();
    assert!(e.to_string().contains("UTF-8"), "{e}");
}

fn arb_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        "[a-zA-Z]{1,6}",
        Just(String::new()),
        Just("__proto__".to_string()),
        Just("constructor".to_string()),
        "[a-z.~/]{1,4}",
        "\\PC{0,3}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| parse(&n.to_string())),
        "[0-9]{16,30}".prop_map(|d| parse(&format!("1{d}"))),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| parse(&format!("{f:e}"))),
        "\\PC{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6).prop_map(|kvs| Value::Object(kvs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn arb_object() -> impl Strategy<Value = Value> {
    arb_json().prop_map(|v| match v {
        Value::Object(_) => v,
        other => Value::Object(std::iter::once(("v".to_string(), other)).collect()),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn unflatten_inverts_flatten(v in arb_object(), index in any::<bool>(), sep in prop_oneof![Just('.'), Just('/'), Just('_')]) {
        let o = Options { separator: sep, arrays: if index { Arrays::Index } else { Arrays::Keep }, ..opts() };
        let text = v.to_string();
        let (flat, back) = roundtrip(&text, &o);
        // Index mode cannot tell an object keyed "0","1",... from an array (documented).
        if !index || !has_index_like_keys(&v) {
            prop_assert_eq!(parse(&back), v, "flat: {}", flat);
        }
    }

    #[test]
    fn overflow_never_loses_data(v in arb_object(), max in 2usize..12) {
        let o = Options { max_fields: max, ..opts() };
        let (flat, back) = roundtrip(&v.to_string(), &o);
        prop_assert!(parse(&flat).as_object().map_or(0, Map::len) <= max);
        prop_assert_eq!(parse(&back), v, "flat: {}", flat);
    }
}

fn has_index_like_keys(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.keys().any(|k| k.parse::<usize>().is_ok()) || m.values().any(has_index_like_keys) || m.is_empty(),
        Value::Array(a) => a.is_empty() || a.iter().any(has_index_like_keys),
        _ => false,
    }
}
