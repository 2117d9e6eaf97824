//! A bounded call (`push_some`/`resume`/`finish_some`) stopped at its budget only between
//! top-level values: a CloudWatch Logs payload (or `Records`/`Events` inside a wrapper) gave all
//! of its records in one call, so a small `awslogs.data` inflating to hundreds of MB of
//! logEvents made one piece of hundreds of MB. Fixed in src/split.rs (a nested unit stopped at
//! the budget keeps its rest as a frame that the next call gives out first).

use cloudfront_trail::{Item, Options, Splitter};

fn rec(i: usize) -> String {
    format!(r#"{{"eventVersion":"1.08","eventTime":"2024-03-01T10:00:00Z","eventSource":"cloudfront.amazonaws.com","eventName":"Get{i}","awsRegion":"us-east-1"}}"#)
}

/// A stored (uncompressed) gzip member with real CRC32 and ISIZE.
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    for (i, chunk) in data.chunks(65535).enumerate() {
        v.push(((i + 1) * 65535 >= data.len()) as u8);
        let n = chunk.len() as u16;
        v.extend_from_slice(&n.to_le_bytes());
        v.extend_from_slice(&(!n).to_le_bytes());
        v.extend_from_slice(chunk);
    }
    v.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v
}

fn base64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            s.push(if k <= c.len() { A[(n >> (18 - 6 * k) & 63) as usize] as char } else { '=' });
        }
    }
    s
}

/// `n` logEvents; every 1000th has no string message and every 997th a message that is not
/// JSON (both error entries).
fn payload(n: usize) -> String {
    let events: Vec<String> = (0..n)
        .map(|i| {
            if i % 1000 == 999 {
                format!(r#"{{"id":"{i}","timestamp":1,"message":{i}}}"#)
            } else if i % 997 == 996 {
                format!(r#"{{"id":"{i}","timestamp":1,"message":"not json {i}"}}"#)
            } else {
                format!(r#"{{"id":"{i}","timestamp":1,"message":{}}}"#, serde_json::to_string(&rec(i)).unwrap())
            }
        })
        .collect();
    let inner = format!(
        r#"{{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{}]}}"#,
        events.join(",")
    );
    format!(r#"{{"awslogs":{{"data":"{}"}}}}"#, base64(&gzip(inner.as_bytes())))
}

struct Run {
    lines: Vec<u8>,
    /// Bytes given out by each call.
    calls: Vec<usize>,
    longest_item: usize,
    counts: (u64, u64, u64),
}

fn run(input: &[u8], budget: usize, chunk: usize) -> Run {
    let mut sp = Splitter::new(Options::default()).unwrap();
    let mut lines = Vec::new();
    let mut calls = Vec::new();
    let mut longest_item = 0;
    let this = core::cell::Cell::new(0usize);
    let mut sink = |it: Item<'_>| {
        lines.extend_from_slice(it.json());
        lines.push(b'\n');
        this.set(this.get() + it.json().len() + 1);
        longest_item = longest_item.max(it.json().len() + 1);
    };
    for c in input.chunks(chunk) {
        let mut more = sp.push_some(c, budget, &mut sink).unwrap();
        calls.push(this.replace(0));
        while more {
            more = sp.resume(budget, &mut sink).unwrap();
            calls.push(this.replace(0));
        }
    }
    loop {
        let s = sp.finish_some(budget, &mut sink).unwrap();
        calls.push(this.replace(0));
        if s.is_some() {
            break;
        }
    }
    Run { lines, calls, longest_item, counts: sp.counts() }
}

fn check(input: &[u8], objects: u64, what: &str) {
    let whole = run(input, usize::MAX, input.len().max(1));
    let (r, e, s) = whole.counts;
    assert_eq!(r + e + s, objects, "{what}: records + errors + skipped = objects");
    assert!(e > 0 && r > 0, "{what}: {:?}", whole.counts);
    for (budget, chunk) in [(4096, input.len()), (1 << 16, input.len()), (1000, 4096)] {
        let got = run(input, budget, chunk);
        assert_eq!(got.counts, whole.counts, "{what}: budget {budget}");
        assert!(got.lines == whole.lines, "{what}: budget {budget}: not the same output as one call");
        let most = got.calls.iter().max().copied().unwrap_or(0);
        assert!(most < budget + got.longest_item, "{what}: budget {budget}: a call gave {most} bytes");
        // Many pieces, not one big one and many empty ones.
        assert!(got.calls.len() >= whole.lines.len() / (budget + got.longest_item), "{what}: budget {budget}");
    }
}

#[test]
fn a_cloudwatch_payload_goes_out_in_bounded_pieces() {
    let n = 20_000;
    let one = payload(n);
    // Two payloads and a record after them: the order holds across the stops.
    let input = format!("{one}\n{one}\n{}\n", rec(99_999));
    check(input.as_bytes(), 2 * n as u64 + 1, "awslogs");
}

#[test]
fn records_and_events_inside_wrappers_go_out_in_bounded_pieces() {
    let n = 3000;
    let recs: Vec<String> = (0..n).map(|i| if i % 500 == 7 { format!(r#"{{"eventName": {i}x}}"#).replace("x}", "}") } else { rec(i) }).collect();
    // `Records` inside a top-level array element, with a CloudWatch payload nested in it.
    let cw = payload(2000);
    let records = format!(r#"[{{"Records":[{},{cw},{}]}}]"#, recs.join(","), rec(1));
    check(records.as_bytes(), n as u64 + 2000 + 1, "Records");
    // lookup-events output inside a top-level array.
    let evs: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"EventId":"{i}","EventName":"Get","CloudTrailEvent":{}}}"#, serde_json::to_string(&rec(i)).unwrap()))
        .collect();
    let lookup = format!(r#"[{{"Events":[{},{{"EventId":"x","CloudTrailEvent":"{{\"eventName\": nope}}"}}]}}]"#, evs.join(","));
    check(lookup.as_bytes(), n as u64 + 1, "Events");
}

#[test]
fn a_checkpoint_taken_inside_a_nested_unit_is_refused_not_read_wrongly() {
    let input = payload(5000);
    let mut sp = Splitter::new(Options::default()).unwrap();
    let mut sink = |_: Item<'_>| {};
    assert!(sp.push_some(input.as_bytes(), 4096, &mut sink).unwrap());
    let cp = sp.checkpoint().expect("plain input has a checkpoint");
    let e = Splitter::restore(Options::default(), &cp).err().expect("refused");
    assert!(e.message().contains("nested unit"), "{e}");
    // Once the payload is out, checkpoints work again.
    while sp.resume(4096, &mut sink).unwrap() {}
    assert!(Splitter::restore(Options::default(), &sp.checkpoint().unwrap()).is_ok());
}
