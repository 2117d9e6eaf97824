//! Unit tests of the tracker over records built from the documented formats; the end-to-end
//! ones (the fixture through `transform_log`, every log path, the profiles) are in tests/track.rs.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::*;

/// Enriches `rec` and shows it to `t`.
fn see(t: &mut Tracker, rec: &str) -> Option<Change> {
    let fields = Fields::capture(rec.as_bytes());
    let facts = crate::enrich::enrich(&fields);
    t.observe(&fields, &facts)
}

fn state(t: &mut Tracker, rec: &str) -> Option<&'static str> {
    see(t, rec).map(|c| c.state.as_str())
}

/// A CloudFront call at minute `min` with `req` and `resp` as given.
fn call(min: u32, name: &str, req: &str, resp: &str) -> String {
    format!(r#"{{"eventTime":"2024-03-01T10:{min:02}:00Z","eventSource":"cloudfront.amazonaws.com","eventName":"{name}","recipientAccountId":"1","eventID":"e{min}","requestParameters":{req},"responseElements":{resp}}}"#)
}

fn update(min: u32, id: &str, config: &str) -> String {
    call(min, "UpdateDistribution", &format!(r#"{{"id":"{id}","distributionConfig":{config}}}"#), "null")
}

#[test]
fn kinds_sorted_and_classified() {
    assert!(KINDS.windows(2).all(|w| w[0].noun < w[1].noun));
    let c = |a: &str| classify(a).map(|(op, k)| (op, k.rtype));
    crate::table_test!(c, [
        ("update", "UpdateDistribution", Some((Op::Write, "distribution"))),
        ("create with tags", "CreateDistributionWithTags", Some((Op::Write, "distribution"))),
        ("config read", "GetDistributionConfig", Some((Op::Read, "distribution"))),
        ("staging update answers with the primary's config", "UpdateDistributionWithStagingConfig", Some((Op::Read, "distribution"))),
        ("copy", "CopyDistribution", Some((Op::Read, "distribution"))),
        ("policy", "UpdateCachePolicy", Some((Op::Write, "cache_policy"))),
        ("oai", "GetCloudFrontOriginAccessIdentityConfig", Some((Op::Read, "origin_access_identity"))),
        ("function", "DescribeFunction", Some((Op::Read, "function"))),
        ("delete", "DeleteOriginAccessControl", Some((Op::Delete, "origin_access_control"))),
        ("no configuration", "CreateInvalidation", None::<(Op, &str)>),
        ("list", "ListDistributions", None::<(Op, &str)>),
        ("unknown noun", "UpdateSomething", None::<(Op, &str)>),
    ]);
}

#[test]
fn what_is_tracked() {
    let mut t = Tracker::new(100);
    let cfg = r#"{"comment":"a","enabled":true}"#;
    // An empty response configuration (CloudTrail blanks some) is no state.
    assert_eq!(state(&mut t, &call(0, "GetDistribution", r#"{"id":"E1"}"#, r#"{"distribution":{"id":"E1","distributionConfig":{}}}"#)), None);
    assert_eq!(state(&mut t, &update(1, "E1", cfg)), Some("first_seen"));
    // A failed call changed nothing.
    let failed = update(2, "E1", r#"{"comment":"b"}"#).replacen('{', r#"{"errorCode":"PreconditionFailed","#, 1);
    assert_eq!(state(&mut t, &failed), None);
    assert_eq!(state(&mut t, &update(3, "E1", cfg)), Some("unchanged"));
    // Not CloudFront, or no eventTime: not tracked.
    assert_eq!(state(&mut t, &update(4, "E1", r#"{"comment":"c"}"#).replace("cloudfront.amazonaws.com", "s3.amazonaws.com")), None);
    assert_eq!(state(&mut t, &update(4, "E1", r#"{"comment":"c"}"#).replace("2024-03-01T10:04:00Z", "yesterday")), None);
    // A delete forgets.
    assert_eq!(state(&mut t, &call(5, "DeleteDistribution", r#"{"id":"E1"}"#, "null")), None);
    assert_eq!(t.len(), 0);
    assert_eq!(t.bytes(), 0);
    assert_eq!(state(&mut t, &update(6, "E1", cfg)), Some("first_seen"));
    // A policy: the request's configuration on create (id from the response), then a config read.
    let create = call(7, "CreateCachePolicy", r#"{"cachePolicyConfig":{"name":"p","minTTL":1}}"#, r#"{"cachePolicy":{"id":"P1","cachePolicyConfig":{"name":"p","minTTL":1}}}"#);
    assert_eq!(state(&mut t, &create), Some("first_seen"));
    let read = see(&mut t, &call(8, "GetCachePolicyConfig", r#"{"id":"P1"}"#, r#"{"cachePolicyConfig":{"name":"p","minTTL":5}}"#)).unwrap();
    assert_eq!((read.state, read.resource_type, read.changes.iter().map(|d| d.key.as_str()).collect::<Vec<_>>()), (State::Changed, "cache_policy", alloc::vec!["minTTL"]));
    assert!(read.flags.is_empty(), "change flags are for distributions");
}

#[test]
fn out_of_order_claims_nothing() {
    let mut t = Tracker::new(100);
    assert_eq!(state(&mut t, &update(10, "E1", r#"{"comment":"new"}"#)), Some("first_seen"));
    let late = see(&mut t, &update(5, "E1", r#"{"comment":"old"}"#)).unwrap();
    assert_eq!((late.state, late.previous, late.changes.len(), late.flags.len()), (State::OutOfOrder, None, 0, 0));
    // The newer state stayed; an equal time counts as in order.
    assert_eq!(state(&mut t, &update(10, "E1", r#"{"comment":"new"}"#)), Some("unchanged"));
    assert_eq!(state(&mut t, &update(10, "E1", r#"{"comment":"newer"}"#)), Some("changed"));
}

#[test]
fn caps_on_diff_and_values() {
    let mut t = Tracker::new(100);
    let many = |v: u32| format!("{{{}}}", (0..150).map(|i| format!(r#""k{i}":{v}"#)).collect::<Vec<_>>().join(","));
    see(&mut t, &update(1, "E1", &many(1)));
    let c = see(&mut t, &update(2, "E1", &many(2))).unwrap();
    assert_eq!((c.changes.len(), c.diff().len(), c.diff_truncated()), (150, MAX_DIFF, true));
    // A long string is cut at a character boundary and marked.
    let long = "é".repeat(MAX_VALUE_BYTES);
    see(&mut t, &update(3, "E2", r#"{"comment":"x"}"#));
    let c = see(&mut t, &update(4, "E2", &format!(r#"{{"comment":"{long}"}}"#))).unwrap();
    let after = cap(c.diff()[0].after.as_deref().unwrap());
    let text = json::as_str(after.as_bytes()).unwrap();
    assert!(text.ends_with('…') && text.len() <= MAX_VALUE_BYTES + '…'.len_utf8(), "{}", text.len());
    assert_eq!(cap(c.diff()[0].before.as_deref().unwrap()), "\"x\"");
}

/// Byte accounting matches what is stored, and the caps hold after every record.
fn check(t: &Tracker) {
    let counted: usize = t.entries.iter().map(|(k, e)| e.bytes(k)).sum();
    assert_eq!(counted, t.bytes);
    assert_eq!(t.entries.len(), t.order.len());
    assert!(t.entries.len() <= t.max_resources && t.bytes <= t.max_bytes, "{} resources, {} bytes", t.entries.len(), t.bytes);
}

/// The bound behind "memory stays flat": however many resources a stream names (here 30,000
/// distinct distributions, each a ~1 KB configuration, 3 updates each interleaved), the tracker
/// holds at most its caps, evicting the least recently used. The state is all the tracker keeps
/// between records (the engine's buffers are reused), so this bounds its memory in any stream.
#[test]
fn memory_bounded_over_a_long_stream() {
    let config = |n: u32, rev: u32| {
        format!(
            r#"{{"comment":"rev {rev}","enabled":true,"origins":{{"quantity":1,"items":[{{"id":"o{n}","domainName":"origin-{n}.example.com","customOriginConfig":{{"hTTPPort":80,"hTTPSPort":443,"originProtocolPolicy":"https-only"}}}}]}},"aliases":{{"quantity":2,"items":["a{n}.example.com","b{n}.example.com"]}},"defaultCacheBehavior":{{"targetOriginId":"o{n}","viewerProtocolPolicy":"redirect-to-https","allowedMethods":{{"quantity":2,"items":["GET","HEAD"]}}}},"logging":{{"enabled":true,"bucket":"logs.s3.amazonaws.com","prefix":"p{n}/"}},"priceClass":"PriceClass_100","webACLId":"arn:aws:wafv2:us-east-1:1:global/webacl/x/{n}"}}"#
        )
    };
    // Small caps, so eviction by count and by bytes both happen many times.
    for (max_resources, max_bytes) in [(64, MAX_BYTES), (100_000, 40_000)] {
        let mut t = Tracker::with_limits(max_resources, max_bytes);
        let mut seen = [0usize; 3];
        for i in 0..30_000u32 {
            let n = i / 3 + (i % 3) * 7; // revisits a few recent ones
            let c = see(&mut t, &update(i % 60, &format!("E{n}"), &config(n, i)));
            let s = c.map(|c| c.state).unwrap();
            seen[match s {
                State::FirstSeen => 0,
                State::Changed | State::Unchanged => 1,
                State::OutOfOrder => 2,
            }] += 1;
            if i % 97 == 0 {
                check(&t);
            }
        }
        check(&t);
        assert!(seen[0] > 1000 && seen[1] > 0, "{seen:?}");
    }
}

#[test]
fn a_configuration_larger_than_the_byte_cap_is_not_kept() {
    let mut t = Tracker::with_limits(10, 500);
    let big = format!(r#"{{"comment":"{}"}}"#, "x".repeat(600));
    assert_eq!(state(&mut t, &update(1, "E1", &big)), Some("first_seen"));
    assert_eq!((t.len(), t.bytes()), (0, 0));
    assert_eq!(state(&mut t, &update(2, "E1", &big)), Some("first_seen"));
}

#[cfg(not(target_arch = "wasm32"))]
mod no_panic {
    use alloc::string::String;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]
        /// Streams of arbitrary CloudFront-steered records (the enrichment fuzz's generator,
        /// given valid event times) go through the tracker without a panic, and every line
        /// stays JSON.
        #[test]
        fn tracking_never_panics(recs in proptest::collection::vec((crate::enrich::docs::no_panic::record(), 0u32..5), 1..8)) {
            let lines: Vec<String> = recs
                .iter()
                .map(|(r, m)| alloc::format!(r#"{{"eventTime":"2024-03-01T10:0{m}:00Z",{}"#, &r[1..]))
                .collect();
            let input = lines.join("\n");
            let (out, _) = crate::transform_log_to_ndjson(input.as_bytes(), &crate::Options::default()).map_err(|e| TestCaseError::fail(alloc::format!("{e}")))?;
            for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                prop_assert!(serde_json::from_slice::<serde_json::Value>(line).is_ok());
            }
        }
    }

    #[test]
    fn flatten_odd_values() {
        for raw in [&b"{\"a\":[[],[{}],[[1]]],\"b\":{\"c\":{}}}"[..], b"{\"\\u0000\\t\":\"\\ud800\"}", b"{\"a\":1e400,\"b\":-0.0}"] {
            let t = super::super::config::flatten(raw).unwrap();
            assert!(t.lines().all(|l| l.split('\t').count() == 2), "{t:?}");
        }
    }
}
