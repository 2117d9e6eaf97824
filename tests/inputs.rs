//! Every input shape, read by content; chunked streaming equals one call; bad input loses nothing.

use cloudfront_trail::{transform_log, Format, Item, Options, Splitter};
use proptest::prelude::*;

fn opts() -> Options {
    Options { enrich: false, ..Options::default() }
}

fn rec(name: &str) -> String {
    format!(r#"{{"eventVersion":"1.08","eventTime":"2024-03-01T10:00:00Z","eventSource":"cloudfront.amazonaws.com","eventName":"{name}","awsRegion":"us-east-1","requestParameters":{{"id":"E1"}}}}"#)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    // A stored (uncompressed) deflate stream is valid gzip and needs no compressor in tests.
    let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    for (i, chunk) in data.chunks(65535).enumerate() {
        let last = (i + 1) * 65535 >= data.len();
        v.push(last as u8);
        let n = chunk.len() as u16;
        v.extend_from_slice(&n.to_le_bytes());
        v.extend_from_slice(&(!n).to_le_bytes());
        v.extend_from_slice(chunk);
    }
    if data.is_empty() {
        v.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    v.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v
}

fn base64(data: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            if k <= c.len() {
                s.push(T[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn names(log: &cloudfront_trail::Log) -> Vec<String> {
    log.records
        .iter()
        .map(|r| {
            let v: serde_json::Value = serde_json::from_str(r).unwrap();
            v["eventName"].as_str().unwrap_or("?").to_string()
        })
        .collect()
}

fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

#[test]
fn detects_every_shape() {
    let (a, b) = (rec("GetDistribution"), rec("ListDistributions"));
    let eb = |r: &str| format!(r#"{{"version":"0","id":"x","detail-type":"AWS API Call via CloudTrail","source":"aws.cloudfront","account":"1","time":"t","region":"us-east-1","resources":[],"detail":{r}}}"#);
    let dm = format!(
        r#"{{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{{"id":"1","timestamp":1,"message":{}}},{{"id":"2","timestamp":2,"message":{}}}]}}"#,
        json_str(&a),
        json_str(&b)
    );
    let cases: Vec<(&str, Vec<u8>, Format)> = vec![
        ("records file", format!(r#"{{"Records":[{a},{b}]}}"#).into_bytes(), Format::CloudTrail),
        ("pretty records file", format!("{{\n  \"Records\" : [\n {a} ,\n {b}\n ]\n}}\n").into_bytes(), Format::CloudTrail),
        ("array", format!("[{a},{b}]").into_bytes(), Format::Array),
        ("ndjson", format!("{a}\n{b}\n").into_bytes(), Format::Ndjson),
        ("concatenated", format!("{a}{b}").into_bytes(), Format::Ndjson),
        ("eventbridge ndjson", format!("{}\n{}", eb(&a), eb(&b)).into_bytes(), Format::EventBridge),
        ("eventbridge array", format!("[{},{}]", eb(&a), eb(&b)).into_bytes(), Format::EventBridge),
        ("cwl data message", dm.clone().into_bytes(), Format::CloudWatchLogs),
        ("cwl awslogs", format!(r#"{{"awslogs":{{"data":"{}"}}}}"#, base64(&gzip(dm.as_bytes()))).into_bytes(), Format::CloudWatchLogs),
        (
            "lookup-events",
            format!(r#"{{"Events":[{{"EventId":"1","EventName":"x","CloudTrailEvent":{}}},{{"EventId":"2","CloudTrailEvent":{}}}],"NextToken":"t"}}"#, json_str(&a), json_str(&b)).into_bytes(),
            Format::LookupEvents,
        ),
        ("gzip records", gzip(format!(r#"{{"Records":[{a},{b}]}}"#).as_bytes()), Format::CloudTrail),
        ("gzip in gzip? no: gzip ndjson", gzip(format!("{a}\n{b}").as_bytes()), Format::Ndjson),
    ];
    for (what, input, format) in cases {
        let log = transform_log(&input, &opts()).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(log.format, format, "{what}");
        assert_eq!(names(&log), ["GetDistribution", "ListDistributions"], "{what}");
        assert!(log.errors.is_empty(), "{what}: {:?}", log.errors);
    }
    let single = transform_log(format!("\n{a}\n").as_bytes(), &opts()).unwrap();
    assert_eq!((single.format, single.records.len()), (Format::Record, 1));
    let pretty = transform_log(b"{\n  \"eventVersion\": \"1.0\",\n  \"eventName\": \"X\"\n}\n", &opts()).unwrap();
    assert_eq!((pretty.format, pretty.records.len()), (Format::Record, 1));
    let digest = r#"{"awsAccountId":"1","digestStartTime":"a","digestEndTime":"b","digestS3Bucket":"x","logFiles":[]}"#;
    let d = transform_log(digest.as_bytes(), &opts()).unwrap();
    assert_eq!((d.format, d.records.len(), d.errors.len()), (Format::Digest, 0, 0));
    let empty = transform_log(b"  \n", &opts()).unwrap();
    assert_eq!((empty.format, empty.records.len(), empty.errors.len()), (Format::Empty, 0, 1));
    assert!(empty.errors[0].error.to_string().contains("empty input"), "{}", empty.errors[0].error);
    let twice = transform_log(&gzip(&gzip(format!(r#"{{"Records":[{a},{b}]}}"#).as_bytes())), &opts()).unwrap();
    assert_eq!((twice.format, twice.gzip, names(&twice).len(), twice.errors.len()), (Format::CloudTrail, true, 2, 0));
    let control = transform_log(br#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#, &opts()).unwrap();
    assert_eq!((control.format, control.records.len(), control.errors.len()), (Format::CloudWatchLogs, 0, 0));
}

#[test]
fn bad_records_become_entries_and_neighbours_survive() {
    let (a, b) = (rec("A"), rec("B"));
    // A broken record amid good ones, in each container shape.
    let broken = r#"{"eventVersion":"1.08","eventName":"Bad","x": { oops } }"#;
    for (what, input) in [
        ("records", format!(r#"{{"Records":[{a},{broken},{b}]}}"#)),
        ("array", format!("[{a},\n{broken},\n{b}]")),
        ("ndjson", format!("{a}\n{broken}\n{b}\n")),
    ] {
        let log = transform_log(input.as_bytes(), &opts()).unwrap();
        assert_eq!(names(&log), ["A", "B"], "{what}");
        assert_eq!(log.errors.len(), 1, "{what}");
        assert_eq!(log.errors[0].original, broken, "{what}");
        assert!(log.errors[0].error.to_string().contains("expected a string key"), "{what}: {}", log.errors[0].error);
        assert_eq!(log.errors[0].error.record(), Some(1), "{what}");
        let entry: serde_json::Value = serde_json::from_str(&log.errors[0].entry).unwrap();
        assert_eq!(entry["event.original"], broken);
        assert!(entry["error.message"].as_str().unwrap().contains("byte"));
    }
    // Truncated file: the last record is cut mid-way.
    let input = format!(r#"{{"Records":[{a},{b},{{"eventVersion":"1.08","eventNa"#);
    let log = transform_log(input.as_bytes(), &opts()).unwrap();
    assert_eq!(names(&log), ["A", "B"]);
    assert_eq!(log.errors.len(), 1);
    assert_eq!(log.errors[0].original, r#"{"eventVersion":"1.08","eventNa"#);
    assert!(log.errors[0].error.to_string().contains("end of input"));
    // Invalid UTF-8 inside one NDJSON line.
    let mut bytes = format!("{a}\n").into_bytes();
    bytes.extend_from_slice(b"{\"eventName\":\"\xff\xfe\"}\n");
    bytes.extend_from_slice(format!("{b}\n").as_bytes());
    let log = transform_log(&bytes, &opts()).unwrap();
    assert_eq!(names(&log), ["A", "B"]);
    assert!(log.errors[0].error.to_string().contains("UTF-8"));
    assert!(log.errors[0].original.contains('\u{FFFD}'));
    // NaN/Infinity are not JSON.
    let log = transform_log(format!("{a}\n{{\"eventName\":\"N\",\"v\":NaN}}\n{{\"v\":Infinity}}\n{b}").as_bytes(), &opts()).unwrap();
    assert_eq!((names(&log), log.errors.len()), (vec!["A".to_string(), "B".to_string()], 2));
    // A byte-order mark is skipped; duplicate keys keep both (the last wins when parsed).
    let log = transform_log(format!("\u{feff}{{\"eventName\":\"X\",\"eventName\":\"A\"}}").as_bytes(), &opts()).unwrap();
    assert_eq!(names(&log), ["A"]);
    // Junk before a record at top level.
    let log = transform_log(format!("garbage line\n{a}").as_bytes(), &opts()).unwrap();
    assert_eq!((names(&log), log.errors[0].original.as_str()), (vec!["A".to_string()], "garbage line"));
}

#[test]
fn the_cloudfront_documentation_example_as_published() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/samples/seed/cloudfront-doc-example.raw.txt");
    let Ok(raw) = std::fs::read(path) else {
        eprintln!("skipping: {path} not present (a user's clone)");
        return;
    };
    let log = transform_log(&raw, &opts()).unwrap();
    assert_eq!(
        names(&log),
        ["ListDistributions2014_01_31", "GetDistribution2014_01_31", "CreateInvalidation2014_01_31", "ListCloudFrontOriginAccessIdentities2014_01_31"]
    );
    assert_eq!(log.errors.len(), 1);
    assert!(log.errors[0].original.starts_with(r#"{ "eventVersion": "1.01""#));
    assert!(log.errors[0].original.contains("UpdateDistribution2014_01_31"));
    assert!(log.errors[0].original.ends_with(r#""eventID": "5ab02562-0fc5-43d0-b7b6-90293example" }"#));
}

#[test]
fn limits_are_clear_errors() {
    let bomb = gzip(&vec![b' '; 200_000]);
    let e = transform_log(&bomb, &Options { max_decompressed_bytes: 100_000, ..opts() }).unwrap_err();
    assert_eq!(e.kind(), cloudfront_trail::ErrorKind::Limit);
    let z = gzip(rec("A").as_bytes());
    let e = transform_log(&z[..z.len() - 12], &opts()).unwrap_err();
    assert!(e.to_string().contains("truncated gzip"), "{e}");
    let deep = format!("{{\"a\":{}1{}}}\n{}", "[".repeat(200_000), "]".repeat(200_000), rec("B"));
    let log = transform_log(deep.as_bytes(), &opts()).unwrap();
    assert_eq!(names(&log), ["B"]);
    assert_eq!(log.errors[0].error.kind(), cloudfront_trail::ErrorKind::Limit);
    let strict = transform_log(format!("{}\n{{x}}", rec("A")).as_bytes(), &Options { strict: true, ..opts() });
    assert!(strict.is_err());
}

fn run_chunked(input: &[u8], sizes: &[usize]) -> (Vec<String>, Vec<String>) {
    let mut sp = Splitter::new(opts()).unwrap();
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    let mut sink = |item: Item<'_>| match item {
        Item::Record(j) => ok.push(String::from_utf8_lossy(j).into_owned()),
        Item::Bad { original, .. } => bad.push(String::from_utf8_lossy(original).into_owned()),
    };
    let mut i = 0;
    let mut k = 0;
    while i < input.len() {
        let n = sizes[k % sizes.len()].max(1).min(input.len() - i);
        sp.push(&input[i..i + n], &mut sink).unwrap();
        i += n;
        k += 1;
    }
    sp.finish(&mut sink).unwrap();
    (ok, bad)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_chunking_gives_the_same_items(sizes in prop::collection::vec(1usize..40, 1..8), shape in 0..4u8, gz in any::<bool>()) {
        let (a, b) = (rec("A"), rec("B"));
        let broken = r#"{"eventVersion":"1.08","eventName":"Bad","x": { oops } }"#;
        let text = match shape {
            0 => format!(r#"{{"Records":[{a},{broken},{b}]}}"#),
            1 => format!("[{a},\n{broken},\n{b}]"),
            2 => format!("{a}\n{broken}\n{b}\n"),
            _ => include_str!("fixtures/inputs/eventbridge.ndjson").to_string(),
        };
        let input = if gz { gzip(text.as_bytes()) } else { text.into_bytes() };
        let whole = transform_log(&input, &opts()).unwrap();
        let (ok, bad) = run_chunked(&input, &sizes);
        prop_assert_eq!(ok, whole.records);
        prop_assert_eq!(bad, whole.errors.iter().map(|e| e.original.clone()).collect::<Vec<_>>());
    }
}

fn arb_record() -> impl Strategy<Value = serde_json::Value> {
    let scalar = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i32>().prop_map(|n| serde_json::Value::from(n)),
        "\\PC{0,12}".prop_map(serde_json::Value::String),
    ];
    let value = scalar.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-zA-Z.~_]{1,6}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    (
        "[A-Z][a-z]{2,10}(20[0-9]{2}_[0-9]{2}_[0-9]{2})?",
        prop::sample::select(vec!["cloudfront.amazonaws.com", "iam.amazonaws.com", "s3.amazonaws.com", ""]),
        prop::sample::select(vec!["IAMUser", "AssumedRole", "Root", "AWSService"]),
        prop::collection::btree_map("[a-zA-Z]{1,8}", value, 0..5),
    )
        .prop_map(|(name, source, ty, extra)| {
            let mut m = serde_json::Map::new();
            m.insert("eventVersion".into(), "1.08".into());
            m.insert("userIdentity".into(), serde_json::json!({"type": ty, "arn": "arn:aws:sts::111122223333:assumed-role/R/s", "accessKeyId": "ASIAEXAMPLE"}));
            m.insert("eventTime".into(), "2024-03-01T10:00:00Z".into());
            if !source.is_empty() {
                m.insert("eventSource".into(), source.into());
            }
            m.insert("eventName".into(), name.into());
            m.insert("requestParameters".into(), serde_json::Value::Object(extra.into_iter().collect()));
            serde_json::Value::Object(m)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// A batch is exactly the concatenation of single-record outputs, in every container shape,
    /// with enrichment on (the default) and off.
    #[test]
    fn batch_equals_single_records(recs in prop::collection::vec(arb_record(), 1..6), enrich in any::<bool>()) {
        let o = Options { enrich, ..Options::default() };
        let texts: Vec<String> = recs.iter().map(|r| r.to_string()).collect();
        let singles: Vec<String> = texts.iter().map(|t| cloudfront_trail::transform(t.as_bytes(), &o).unwrap()).collect();
        for input in [
            format!(r#"{{"Records":[{}]}}"#, texts.join(",")),
            format!("[{}]", texts.join(",\n")),
            texts.join("\n"),
        ] {
            let log = transform_log(input.as_bytes(), &o).unwrap();
            prop_assert!(log.errors.is_empty());
            prop_assert_eq!(&log.records, &singles);
            let (nd, _) = cloudfront_trail::transform_log_to_ndjson(input.as_bytes(), &o).unwrap();
            let joined: String = singles.iter().map(|s| format!("{s}\n")).collect();
            prop_assert_eq!(String::from_utf8(nd).unwrap(), joined);
        }
    }
}

/// `transform` keeps one engine per thread between calls; each call must still follow its own
/// options, and a failed call must leave the engine usable.
#[test]
fn transform_follows_the_options_of_each_call() {
    use cloudfront_trail::transform;
    let rec = br#"{"eventName":"GetDistribution2020_05_31","a":{"b":1}}"#;
    let on = Options::default();
    let off = Options { enrich: false, ..Options::default() };
    let slash = Options { separator: '/', ..off.clone() };
    for _ in 0..2 {
        assert!(transform(rec, &on).unwrap().contains(r#""event.action":"GetDistribution""#));
        assert_eq!(transform(rec, &off).unwrap(), r#"{"eventName":"GetDistribution2020_05_31","a.b":1}"#);
        assert_eq!(transform(rec, &slash).unwrap(), r#"{"eventName":"GetDistribution2020_05_31","a/b":1}"#);
    }
    assert!(transform(b"[1]", &on).is_err());
    assert!(transform(b"{\"a\":", &on).is_err());
    assert_eq!(transform(br#"{"x":1}"#, &off).unwrap(), r#"{"x":1}"#);
}
