//! gzip members were inflated without checking their CRC32 and ISIZE: one flipped byte in a
//! member's payload gave altered records (`203.0.113.7` read as `903.0.113.7`) and no error.
//! One stray byte after the last member was reported as "truncated gzip data". Fixed in
//! src/input/gzip.rs (the trailer is checked; a short tail is named as trailing data).

use cloudfront_trail::{transform_log, ErrorKind, Item, Options, Splitter};

/// One member holding `data` in a stored (uncompressed) block, so a byte of the payload can be
/// changed and still inflate.
fn stored(data: &[u8]) -> Vec<u8> {
    let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255, 1];
    let n = data.len() as u16;
    v.extend_from_slice(&n.to_le_bytes());
    v.extend_from_slice(&(!n).to_le_bytes());
    v.extend_from_slice(data);
    v.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v
}

const REC: &str = r#"{"eventName":"GetDistribution","sourceIPAddress":"203.0.113.7"}"#;

#[test]
fn a_flipped_payload_byte_is_an_input_error_naming_the_member() {
    let mut two = stored(REC.as_bytes());
    let second_at = two.len();
    two.extend_from_slice(&stored(REC.as_bytes()));
    assert_eq!(transform_log(&two, &Options::default()).unwrap().records.len(), 2);
    // Flip the first digit of the address in the second member.
    let ip = second_at + 11 + 4 + REC.find("203").unwrap();
    let mut bad = two.clone();
    bad[ip] = b'9';
    let e = transform_log(&bad, &Options::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Input, "{e}");
    assert!(e.message().contains("member 2") && e.message().contains("CRC32"), "{e}");
    assert_eq!(e.offset(), Some(second_at as u64));
    // The same in small chunks: a stream gives a member's records as it inflates them (as
    // gunzip does), and fails at that member's trailer.
    let mut sp = Splitter::new(Options::default()).unwrap();
    let mut sink = |_: Item<'_>| {};
    let r = bad.chunks(5).try_for_each(|c| sp.push(c, &mut sink)).and_then(|_| sp.finish(&mut sink).map(|_| ()));
    let e = r.unwrap_err();
    assert!(e.message().contains("member 2") && e.message().contains("CRC32"), "{e}");
    // A wrong ISIZE alone is caught too.
    let mut size = two.clone();
    let last = size.len() - 1;
    size[last] ^= 1;
    assert!(transform_log(&size, &Options::default()).unwrap_err().message().contains("ISIZE"));
}

#[test]
fn a_corrupt_member_inside_a_cloudwatch_payload_is_an_error_entry() {
    let inner = format!(
        r#"{{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{{"id":"1","timestamp":1,"message":{}}}]}}"#,
        serde_json::to_string(REC).unwrap()
    );
    let mut gz = stored(inner.as_bytes());
    let at = 11 + 4 + inner.find("203").unwrap();
    gz[at] = b'9';
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for c in gz.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            b64.push(if k <= c.len() { A[(n >> (18 - 6 * k) & 63) as usize] as char } else { '=' });
        }
    }
    let log = transform_log(format!(r#"{{"awslogs":{{"data":"{b64}"}}}}"#).as_bytes(), &Options::default()).unwrap();
    assert_eq!(log.records.len(), 0, "{:?}", log.records);
    assert_eq!(log.errors.len(), 1);
    assert!(log.errors[0].error.message().contains("CRC32"), "{}", log.errors[0].error);
}

#[test]
fn one_trailing_byte_after_a_member_is_named_as_trailing_data() {
    let mut gz = stored(REC.as_bytes());
    gz.push(b'x');
    let e = transform_log(&gz, &Options::default()).unwrap_err();
    assert!(e.message().contains("trailing data"), "{e}");
    assert!(!e.message().contains("truncated"), "{e}");
}
