//! A wrapper is told from a record by its first key (the fast path reads any other object as a
//! record without looking further), so a key missing from that list made a wrapper written in
//! another member order a plain record: a digest file starting with `digestS3Bucket`, a
//! lookup-events element starting with `ReadOnly`. The keys now come from one table
//! (`WRAPPERS` in src/input/unit.rs); here every wrapper is read with each of its members first.

use cloudfront_trail::{Item, Options, Splitter};
use serde_json::{Map, Value};

const REC: &str = r#"{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","eventSource":"cloudfront.amazonaws.com","eventName":"GetDistribution","awsRegion":"us-east-1"}"#;

/// One of each wrapper, members in the order AWS writes them.
fn wrappers() -> Vec<String> {
    let rec_str = serde_json::to_string(REC).unwrap();
    vec![
        format!(r#"{{"version":"0","id":"1","detail-type":"AWS API Call via CloudTrail","source":"aws.cloudfront","account":"1","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{REC}}}"#),
        format!(r#"{{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"policyLevel":"ACCOUNT_LEVEL_POLICY","logEvents":[{{"id":"1","timestamp":1,"message":{rec_str}}}]}}"#),
        r#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination"}]}"#.into(),
        format!(r#"{{"Events":[{{"EventId":"1","EventName":"GetDistribution","ReadOnly":"true","EventTime":"2024-01-01T00:00:00Z","EventSource":"cloudfront.amazonaws.com","Username":"u","Resources":[],"CloudTrailEvent":{rec_str}}}],"NextToken":"t"}}"#),
        format!(r#"{{"EventId":"1","EventName":"GetDistribution","ReadOnly":"true","AccessKeyId":"A","EventTime":"2024-01-01T00:00:00Z","EventSource":"cloudfront.amazonaws.com","Username":"u","Resources":[],"CloudTrailEvent":{rec_str}}}"#),
        r#"{"awsAccountId":"1","digestStartTime":"2024-01-01T00:00:00Z","digestEndTime":"2024-01-01T01:00:00Z","digestS3Bucket":"b","digestS3Object":"o","digestPublicKeyFingerprint":"f","digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":"2024-01-01T00:59:00Z","oldestEventTime":"2024-01-01T00:00:00Z","previousDigestS3Bucket":"b","previousDigestS3Object":"p","previousDigestHashValue":"h","previousDigestHashAlgorithm":"SHA-256","previousDigestSignature":"s","logFiles":[]}"#.into(),
    ]
}

/// What reading `input` gives: the format, the counts and every item's text.
fn read(input: &str) -> (String, u64, u64, u64, Vec<String>) {
    let mut sp = Splitter::new(Options::default()).unwrap();
    let mut items = Vec::new();
    let mut sink = |i: Item<'_>| items.push(String::from_utf8_lossy(i.json()).into_owned());
    sp.push(input.as_bytes(), &mut sink).unwrap();
    let s = sp.finish(&mut sink).unwrap();
    (s.format.as_str().into(), s.records, s.errors, s.skipped, items)
}

#[test]
fn a_wrapper_reads_the_same_whichever_member_comes_first() {
    let mut failures = Vec::new();
    for w in wrappers() {
        let members: Map<String, Value> = serde_json::from_str(&w).unwrap();
        let members: Vec<(String, Value)> = members.into_iter().collect();
        for i in 0..members.len() {
            let rotated: Map<String, Value> = members[i..].iter().chain(&members[..i]).cloned().collect();
            let r = serde_json::to_string(&rotated).unwrap();
            // Alone, as NDJSON and inside a top-level array.
            for (a, b) in [(w.clone(), r.clone()), (format!("{w}\n{w}\n"), format!("{r}\n{r}\n")), (format!("[{w},{w}]"), format!("[{r},{r}]"))] {
                if read(&b) != read(&a) {
                    failures.push(format!("{} first: {b}", members[i].0));
                    break;
                }
            }
        }
    }
    assert!(failures.is_empty(), "read differently:\n{}", failures.join("\n"));
}
