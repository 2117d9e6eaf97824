//! A `{"Records":[...]}` log where a stray `]` ends the array early: the rest of the cut record
//! (`,"eventType":...}`) was read as "other members" of the top-level object and skipped
//! silently by one call, while a stream, meeting a member cut at a chunk boundary, reported it
//! as a bad stretch. Found by the splitter_chunks fuzz target on a mangled real log.
//! Fixed in src/split.rs (`tail`): after the array only `}` (and lookup-events' `NextToken`) may
//! follow; anything else is a bad stretch with its raw text, decided the same way in any chunking.

use cloudfront_trail::{transform_log, Item, Options, Splitter};

fn items_chunked(input: &[u8], size: usize) -> (Vec<String>, Vec<String>) {
    let (mut recs, mut errs) = (Vec::new(), Vec::new());
    let mut sink = |i: Item<'_>| match i {
        Item::Record(j) => recs.push(String::from_utf8_lossy(j).into_owned()),
        Item::Bad { original, .. } => errs.push(String::from_utf8_lossy(original).into_owned()),
    };
    let mut sp = Splitter::new(Options::default()).unwrap();
    for c in input.chunks(size) {
        sp.push(c, &mut sink).unwrap();
    }
    sp.finish(&mut sink).unwrap();
    (recs, errs)
}

#[test]
fn data_after_a_stray_bracket_is_reported_not_skipped() {
    // A record's closing `}` was mangled into `]`: the array ends after `A`, and the rest of
    // that record (and `B` on the same line) follows the array.
    let a = r#"{"eventVersion":"1.08","eventName":"A","requestParameters":{"id":"E1"}"#;
    let tail = r#","eventType":"AwsApiCall","managementEvent":true,"userIdentity":{"type":"IAMUser"}}"#;
    let b = r#"{"eventVersion":"1.08","eventName":"B"}"#;
    let input = format!(r#"{{"Records":[{a}}}]{tail},{b}]}}"#);
    let whole = transform_log(input.as_bytes(), &Options::default()).unwrap();
    let originals: Vec<String> = whole.errors.iter().map(|e| e.original.clone()).collect();
    assert!(whole.errors.iter().any(|e| e.error.to_string().contains("after the records array")), "{originals:?}");
    assert_eq!(whole.records.len(), 1);
    assert!(originals.iter().any(|o| o.starts_with(r#","eventType":"AwsApiCall""#) && o.contains(r#""eventName":"B""#)), "the rest is kept: {originals:?}");
    for size in [1, 2, 3, 7, 13, 64] {
        assert_eq!(items_chunked(input.as_bytes(), size), (whole.records.clone(), originals.clone()), "chunks of {size}");
    }
}

#[test]
fn lookup_events_next_token_is_still_skipped() {
    let ev = serde_json::to_string(r#"{"eventVersion":"1.08","eventName":"A"}"#).unwrap();
    let input = format!(r#"{{"Events":[{{"EventId":"1","CloudTrailEvent":{ev}}}],"NextToken":"abc"}}"#);
    let whole = transform_log(input.as_bytes(), &Options::default()).unwrap();
    assert_eq!((whole.records.len(), whole.errors.len()), (1, 0));
    for size in [1, 5, 9] {
        let (recs, errs) = items_chunked(input.as_bytes(), size);
        assert_eq!((recs.len(), errs.len()), (1, 0), "chunks of {size}");
    }
}
