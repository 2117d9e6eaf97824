//! The Fluent Bit filter build, loaded in wasmtime and called exactly as `filter_wasm` calls it
//! (see src/lib.rs). Every output is checked the way Fluent Bit checks it (non-NULL, non-empty,
//! a JSON object) and against the same core built natively (`cloudfront_trail::transform`), so
//! the filter, the Node package and the viewer run one logic.

use std::path::{Path, PathBuf};

use cloudfront_trail::{Options, Profile};
use fluentbit_host::{compiled, Filter, Outcome, FUNCTIONS};
use serde_json::{Map, Value};

const TAG: &[u8] = b"cloudtrail.cloudfront";

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Every file under tests/fixtures that holds one record per line (`.ndjson`, `.jsonl`).
fn ndjson_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            ndjson_files(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("ndjson" | "jsonl")) {
            out.push(p);
        }
    }
}

fn lines_of(path: &Path) -> Vec<Vec<u8>> {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    data.split(|&b| b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)).map(<[u8]>::to_vec).collect()
}

/// The repository's one-record-per-line fixtures (at least ours in tests/fixtures/fluentbit).
fn fixture_records() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    ndjson_files(&fixtures_dir(), &mut files);
    let mut recs = Vec::new();
    for f in &files {
        for (n, line) in lines_of(f).into_iter().enumerate() {
            recs.push((format!("{}:{}", f.display(), n + 1), line));
        }
    }
    assert!(recs.len() >= 6, "expected the fixtures in tests/fixtures/fluentbit, found {} records", recs.len());
    recs
}

/// Real CloudTrail records from ../shared/samples when that folder exists: lines of the `.log`
/// files, and each element of a `{"Records":[...]}` file re-serialised the way Fluent Bit hands a
/// parsed record to the filter (msgpack back to compact JSON).
fn sample_records() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples/real");
    let entries = std::fs::read_dir(&dir).ok()?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut recs = Vec::new();
    for p in paths {
        let name = p.display().to_string();
        match p.extension().and_then(|e| e.to_str()) {
            Some("log") => {
                for (n, line) in lines_of(&p).into_iter().enumerate() {
                    recs.push((format!("{name}:{}", n + 1), line));
                }
            }
            Some("json") => {
                let Ok(v) = serde_json::from_slice::<Value>(&std::fs::read(&p).ok()?) else { continue };
                if let Some(items) = v.get("Records").and_then(Value::as_array) {
                    for (n, r) in items.iter().enumerate() {
                        recs.push((format!("{name}#Records[{n}]"), serde_json::to_vec(r).ok()?));
                    }
                }
            }
            _ => {}
        }
    }
    Some(recs)
}

fn profile_of(function: &str) -> Profile {
    match function {
        "cloudtrail_filter_ecs" => Profile::Ecs,
        "cloudtrail_filter_ocsf" => Profile::Ocsf,
        _ => Profile::Flat,
    }
}

/// Fluent Bit's acceptance: a non-NULL, non-empty string that is a JSON object.
fn kept(name: &str, outcome: Outcome) -> (Vec<u8>, Map<String, Value>) {
    let text = match outcome {
        Outcome::Text(t) if !t.is_empty() => t,
        other => panic!("{name}: Fluent Bit would drop this record: {other:?}"),
    };
    match parse(&text) {
        Ok(Value::Object(m)) => (text, m),
        _ => panic!("{name}: not a JSON object, Fluent Bit would drop it: {}", String::from_utf8_lossy(&text[..text.len().min(300)])),
    }
}

/// JSON text to a value, without serde_json's nesting limit (the core allows 511 levels).
fn parse(text: &[u8]) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_slice(text);
    de.disable_recursion_limit();
    // One value and nothing after it (whitespace aside), as `from_slice` requires.
    let mut values = de.into_iter::<Value>();
    let v = values.next().unwrap_or_else(|| serde_json::from_slice::<Value>(b""))?;
    match values.next() {
        None => Ok(v),
        Some(Err(e)) => Err(e),
        Some(Ok(_)) => serde_json::from_slice::<Value>(b"{} {}"),
    }
}

/// The filter's output must be what the native core gives: the document, or for an unreadable
/// record the error entry holding the record's text.
fn assert_same_as_core(name: &str, function: &str, rec: &[u8], text: &[u8], obj: &Map<String, Value>) {
    let opts = Options { profile: profile_of(function), ..Options::default() };
    match cloudfront_trail::transform(rec, &opts) {
        Ok(doc) => assert!(doc.as_bytes() == text, "{name}: {function} differs from transform()"),
        Err(err) => assert_error_entry(name, rec, obj, &err),
    }
}

fn assert_error_entry(name: &str, rec: &[u8], obj: &Map<String, Value>, err: &cloudfront_trail::Error) {
    assert_eq!(obj.get("error.message").and_then(Value::as_str), Some(err.to_string().as_str()), "{name}");
    assert_eq!(obj.get("error.type").and_then(Value::as_str), Some(err.kind().as_str()), "{name}");
    let original = String::from_utf8_lossy(rec);
    assert!(obj.get("event.original").and_then(Value::as_str) == Some(original.as_ref()), "{name}: event.original is not the record");
}

/// Independent of the core's own code: every scalar leaf reached through objects appears under
/// its dotted path with the same value, and every array under its path with the same length
/// (paths whose keys hold the separator or the escape character are left out).
fn assert_flattened_losslessly(name: &str, input: &Value, out: &Map<String, Value>) {
    fn walk(name: &str, v: &Value, path: &mut Vec<String>, out: &Map<String, Value>, checked: &mut usize) {
        match v {
            Value::Object(m) if !m.is_empty() && path.len() < 30 => {
                for (k, child) in m {
                    if k.contains('.') || k.contains('~') || k.is_empty() {
                        continue;
                    }
                    path.push(k.clone());
                    walk(name, child, path, out, checked);
                    path.pop();
                }
            }
            Value::Object(_) => {}
            Value::Array(items) => {
                let key = path.join(".");
                let got = out.get(&key).and_then(Value::as_array).map(Vec::len);
                assert_eq!(got, Some(items.len()), "{name}: array {key}");
                *checked += 1;
            }
            scalar => {
                let key = path.join(".");
                assert_eq!(out.get(&key), Some(scalar), "{name}: {key}");
                *checked += 1;
            }
        }
    }
    let mut checked = 0;
    walk(name, input, &mut Vec::new(), out, &mut checked);
    assert!(checked > 0, "{name}: nothing to check");
}

#[test]
fn module_imports_nothing_and_exports_the_contract() {
    let (_, module) = compiled();
    let imports: Vec<String> = module.imports().map(|i| format!("{}::{}", i.module(), i.name())).collect();
    assert!(imports.is_empty(), "the filter must import nothing, imports {imports:?}");
    let exports: Vec<&str> = module.exports().map(|e| e.name()).collect();
    for name in FUNCTIONS.iter().chain(&["malloc", "free", "memory"]) {
        assert!(exports.contains(name), "missing export {name}: {exports:?}");
    }
    // Filter::new checks the signatures: (i32 x 6) -> i32, malloc (i32) -> i32, free (i32).
    for f in FUNCTIONS {
        Filter::new(f).unwrap_or_else(|e| panic!("{f}: {e:#}"));
    }
}

#[test]
fn fixtures_match_the_core_in_every_profile() {
    let recs = fixture_records();
    for function in FUNCTIONS {
        let mut filter = Filter::new(function).expect("instantiate");
        for (name, rec) in &recs {
            let (text, obj) = kept(name, filter.call(TAG, 1_709_287_200, 5, rec).expect("call"));
            assert_same_as_core(name, function, rec, &text, &obj);
            // Fluent Bit keeps its own timestamp and tag: the filter's answer does not depend on them.
            let again = filter.call(b"other.tag", 0, 999_999_999, rec).expect("call");
            assert_eq!(again, Outcome::Text(text.clone()), "{name}: output depends on tag or time");
        }
    }
}

#[test]
fn fixtures_are_flattened_losslessly() {
    let mut filter = Filter::new("cloudtrail_filter").expect("instantiate");
    let mut ours = 0;
    for (name, rec) in fixture_records() {
        // Other suites' fixtures include deliberately broken lines (covered by the test above).
        let Ok(input @ Value::Object(_)) = serde_json::from_slice::<Value>(&rec) else {
            assert!(!name.contains("/fixtures/fluentbit/"), "{name}: our fixture is not a JSON object");
            continue;
        };
        ours += usize::from(name.contains("/fixtures/fluentbit/"));
        let (_, obj) = kept(&name, filter.call(TAG, 0, 0, &rec).expect("call"));
        assert!(!obj.contains_key("event.original"), "{name}: a readable record became an error entry");
        assert_flattened_losslessly(&name, &input, &obj);
    }
    assert!(ours >= 6, "only {ours} records from tests/fixtures/fluentbit");
}

#[test]
#[cfg_attr(not(shared_samples), ignore = "../shared/samples is absent")]
fn real_samples_match_the_core() {
    let recs = sample_records().expect("../shared/samples/real readable");
    assert!(!recs.is_empty());
    let mut filter = Filter::new("cloudtrail_filter").expect("instantiate");
    for (name, rec) in &recs {
        let (text, obj) = kept(name, filter.call(TAG, 0, 0, rec).expect("call"));
        assert_same_as_core(name, "cloudtrail_filter", rec, &text, &obj);
    }
    eprintln!("real_samples_match_the_core: {} records", recs.len());
}

/// A CloudFront UpdateDistribution whose config lists `origins` origins (about 150 bytes each).
fn big_update(origins: usize, blob: usize) -> Vec<u8> {
    let mut s = String::from(
        r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/big","accountId":"111122223333"},"eventTime":"2024-03-01T12:00:00Z","eventSource":"cloudfront.amazonaws.com","eventName":"UpdateDistribution","awsRegion":"us-east-1","requestParameters":{"id":"EBIGEXAMPLE","distributionConfig":{"comment":""#,
    );
    s.extend(std::iter::repeat_n('c', blob));
    s.push_str(r#"","origins":{"quantity":"#);
    s.push_str(&origins.to_string());
    s.push_str(r#","items":["#);
    for n in 0..origins {
        if n > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            r#"{{"id":"origin-{n}","domainName":"bucket-{n}.s3.us-east-1.amazonaws.com","originPath":"/p{n}","connectionAttempts":3,"s3OriginConfig":{{"originAccessIdentity":""}}}}"#
        ));
    }
    s.push_str(r#"]}}},"responseElements":null,"eventID":"big-1"}"#);
    s.into_bytes()
}

#[test]
fn records_over_256_kb() {
    let mut filter = Filter::new("cloudtrail_filter").expect("instantiate");
    let cases = [("2,000 origins", big_update(2_000, 0)), ("1 MiB string", big_update(3, 1 << 20)), ("8 MiB", big_update(20_000, 5 << 20))];
    for (name, rec) in &cases {
        assert!(rec.len() > 256 << 10, "{name}: only {} bytes", rec.len());
        let (text, obj) = kept(name, filter.call(TAG, 0, 0, rec).expect("call"));
        assert!(!obj.contains_key("event.original"), "{name}: became an error entry");
        assert_same_as_core(name, "cloudtrail_filter", rec, &text, &obj);
        let input: Value = serde_json::from_slice(rec).expect("valid");
        assert_flattened_losslessly(name, &input, &obj);
        eprintln!("records_over_256_kb: {name}: {} bytes in, {} out, memory {} bytes", rec.len(), text.len(), filter.memory_size());
    }
}

#[test]
fn invalid_json_comes_back_as_an_error_entry() {
    let cases: &[(&str, &[u8])] = &[
        ("truncated", br#"{"eventName":"CreateDistribution","awsRegion":"us-"#),
        ("trailing brace", br#"{"a":1}}"#),
        ("two objects", br#"{"a":1}{"b":2}"#),
        ("array", br#"[{"eventName":"x"}]"#),
        ("string", br#""just text""#),
        ("number", b"42"),
        ("null", b"null"),
        ("empty", b""),
        ("blank", b"   \n"),
        ("single quotes", b"{'eventName':'x'}"),
        ("bare word", b"{eventName: x}"),
        ("invalid utf-8", b"{\"eventName\":\"\xff\xfe\"}"),
        ("raw NUL in a string", b"{\"eventName\":\"a\0b\"}"),
        ("raw newline in a string", b"{\"eventName\":\"a\nb\"}"),
        ("bad escape", br#"{"eventName":"\x41"}"#),
        ("missing value", br#"{"eventName":}"#),
        ("trailing comma", br#"{"a":1,}"#),
    ];
    for function in ["cloudtrail_filter", "cloudtrail_filter_passthrough"] {
        let mut filter = Filter::new(function).expect("instantiate");
        for (name, rec) in cases {
            let err = match cloudfront_trail::transform(rec, &Options::default()) {
                Err(e) => e,
                Ok(doc) => panic!("{name}: the core accepted it: {doc}"),
            };
            let (_, obj) = kept(name, filter.call(TAG, 0, 0, rec).expect("call"));
            assert_error_entry(&format!("{function}: {name}"), rec, &obj, &err);
        }
    }
}

/// `n` nested objects `{"a":{"a":...1...}}`.
fn nested_objects(n: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(n * 6 + 1);
    for _ in 0..n {
        v.extend_from_slice(br#"{"a":"#);
    }
    v.push(b'1');
    v.extend(std::iter::repeat_n(b'}', n));
    v
}

/// `{"requestParameters":[[...]]}` with `n` nested arrays.
fn deep_arrays(n: usize) -> Vec<u8> {
    let mut v = b"{\"requestParameters\":".to_vec();
    v.extend(std::iter::repeat_n(b'[', n));
    v.extend(std::iter::repeat_n(b']', n));
    v.push(b'}');
    v
}

#[test]
fn hostile_records() {
    let script = r#"{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}},"eventName":"<script>alert(1)</script>","userAgent":"\"><img src=x onerror=alert(1)>","requestParameters":{"__proto__":"<script>","toString":"x","hasOwnProperty":null},"awsRegion":"us-east-1\u0000\u2028\u2029"}"#;
    let deep_array = deep_arrays(200_000);
    let mut many_keys = String::from("{");
    for n in 0..50_000 {
        many_keys.push_str(&format!("\"k{n}\":{n},"));
    }
    many_keys.push_str("\"last\":true}");
    let long_key = format!("{{\"{}\":1}}", "k".repeat(300_000));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("prototype keys and markup", script.as_bytes().to_vec()),
        ("200,000 nested objects", nested_objects(200_000)),
        ("200,000 nested arrays", deep_array),
        ("100 nested objects", nested_objects(100)),
        // Just under the core's nesting limit (512): the deepest recursion a record can cause.
        ("510 nested objects", nested_objects(510)),
        ("510 nested arrays", deep_arrays(510)),
        ("50,000 keys", many_keys.into_bytes()),
        ("300 KB key", long_key.into_bytes()),
    ];
    for function in ["cloudtrail_filter", "cloudtrail_filter_passthrough"] {
        let mut filter = Filter::new(function).expect("instantiate");
        for (name, rec) in &cases {
            let label = format!("{function}: {name}");
            let (text, obj) = kept(&label, filter.call(TAG, 0, 0, rec).expect("call"));
            assert_same_as_core(&label, "cloudtrail_filter", rec, &text, &obj);
            if name.starts_with("510") {
                assert!(!obj.contains_key("event.original"), "{label}: within the nesting limit, yet not read");
            }
        }
        // The keys JavaScript treats specially are ordinary keys, and markup is kept as text.
        let (_, obj) = kept("script", filter.call(TAG, 0, 0, script.as_bytes()).expect("call"));
        assert_eq!(obj.get("__proto__.isAdmin"), Some(&Value::Bool(true)));
        assert_eq!(obj.get("constructor.prototype.polluted").map(Value::to_string).as_deref(), Some("1"));
        assert_eq!(obj.get("requestParameters.__proto__").and_then(Value::as_str), Some("<script>"));
        assert_eq!(obj.get("eventName").and_then(Value::as_str), Some("<script>alert(1)</script>"));
        assert_eq!(obj.get("awsRegion").and_then(Value::as_str), Some("us-east-1\u{0}\u{2028}\u{2029}"));
        // Too deep to read: an error entry that keeps the whole record, in both modes (a
        // record the filter cannot check cannot be passed through as an object).
        let deep = nested_objects(200_000);
        let (_, obj) = kept("deep", filter.call(TAG, 0, 0, &deep).expect("call"));
        assert_eq!(obj.get("error.type").and_then(Value::as_str), Some("limit"));
        assert_eq!(obj.get("event.original").and_then(Value::as_str).map(str::len), Some(deep.len()));
    }
}

#[test]
fn passthrough_returns_an_oversized_object_unchanged_with_error_keys() {
    // Over maxRecordBytes (64 MiB): a well-formed object the core will not transform.
    let mut rec = br#"{"eventName":"Big","blob":""#.to_vec();
    rec.extend(std::iter::repeat_n(b'x', 64 << 20));
    rec.extend_from_slice(br#""}"#);
    let mut filter = Filter::new("cloudtrail_filter_passthrough").expect("instantiate");
    let Outcome::Text(text) = filter.call(TAG, 0, 0, &rec).expect("call") else { panic!("dropped") };
    let head = format!(r#"{{"error.message":"limit: record of {} bytes"#, rec.len());
    assert!(text.starts_with(head.as_bytes()), "{}", String::from_utf8_lossy(&text[..200]));
    let tail = br#"","error.type":"limit","eventName":"Big","blob":""#;
    let at = text.windows(tail.len()).position(|w| w == tail).expect("error keys, then the record's members");
    assert_eq!(&text[at + tail.len() - br#""eventName":"Big","blob":""#.len()..], &rec[1..], "members not unchanged");
    let (_, obj) = kept("oversized", Outcome::Text(text));
    assert_eq!(obj.get("blob").and_then(Value::as_str).map(str::len), Some(64 << 20));

    let mut filter = Filter::new("cloudtrail_filter").expect("instantiate");
    let (_, obj) = kept("oversized entry", filter.call(TAG, 0, 0, &rec).expect("call"));
    assert_eq!(obj.get("error.type").and_then(Value::as_str), Some("limit"));
    assert_eq!(obj.get("event.original").and_then(Value::as_str).map(str::as_bytes), Some(&rec[..]));
}

#[test]
fn linear_memory_stays_flat_over_many_calls() {
    let calls: usize = std::env::var("FLUENTBIT_HOST_CALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let mut recs: Vec<Vec<u8>> = fixture_records().into_iter().map(|(_, r)| r).collect();
    let small = recs.len();
    recs.push(big_update(2_000, 0));
    recs.push(br#"{"eventName":"#.to_vec());
    recs.push(nested_objects(10_000));
    let mut filter = Filter::new("cloudtrail_filter").expect("instantiate");
    // Warm-up: one of each, so the buffers reach the largest record's size.
    for r in &recs {
        kept("warm-up", filter.call(TAG, 0, 0, r).expect("call"));
    }
    let size = filter.memory_size();
    let addr = filter.call_addr(&recs[0]).expect("call");
    let mut bytes_out = 0usize;
    for n in 0..calls {
        // Mostly small records, with the large, invalid and deep ones now and then.
        let r = if n % 1000 == 999 { &recs[small + (n / 1000) % 3] } else { &recs[n % small] };
        match filter.call(TAG, n as u32, 0, r).expect("call") {
            Outcome::Text(t) if t.first() == Some(&b'{') && t.last() == Some(&b'}') => bytes_out += t.len(),
            other => panic!("call {n}: {other:?}"),
        }
    }
    assert_eq!(filter.memory_size(), size, "linear memory grew over {calls} calls");
    // The result always comes from the same module-owned buffer.
    assert_eq!(filter.call_addr(&recs[0]).expect("call"), addr, "output buffer moved");
    eprintln!("linear_memory_stays_flat: {calls} calls, {bytes_out} bytes out, memory {size} bytes throughout");
}
