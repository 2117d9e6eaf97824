//! The resynchronising search (after a broken record inside an array) budgets how much it parses.
//! Its first version counted the budget per call, so a stream that resumed the search at a long
//! candidate skipped records that one whole call recovered (found by the splitter_chunks fuzzer:
//! 15 records instead of 18). And one long candidate alone must not make it skip the records
//! that follow inside it.

use cloudfront_trail::{transform_log, Item, Options, Splitter};

fn chunked(input: &[u8], size: usize) -> (Vec<String>, Vec<String>) {
    let mut sp = Splitter::new(Options::default()).unwrap();
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    let mut sink = |i: Item<'_>| match i {
        Item::Record(j) => ok.push(String::from_utf8_lossy(j).into_owned()),
        Item::Bad { original, .. } => bad.push(String::from_utf8_lossy(original).into_owned()),
    };
    for c in input.chunks(size) {
        sp.push(c, &mut sink).unwrap();
    }
    sp.finish(&mut sink).unwrap();
    (ok, bad)
}

#[test]
fn records_after_a_long_candidate_are_recovered_whatever_the_chunking() {
    // After the broken record, `{"k":[` opens a candidate that spans 20 KB and then the
    // records B and C (as elements of its array) before failing at the end of the log.
    let input = format!(
        r#"[{{"eventName":"A"}},{{"eventName":"Bad","x": oops ,{{"k":["{}" ,{{"eventName":"B"}},{{"eventName":"C"}}]"#,
        "x".repeat(20_000)
    );
    let whole = transform_log(input.as_bytes(), &Options::default()).unwrap();
    let names: Vec<String> = whole
        .records
        .iter()
        .map(|r| serde_json::from_str::<serde_json::Value>(r).unwrap()["eventName"].as_str().unwrap_or("?").to_string())
        .collect();
    assert_eq!(names, ["A", "B", "C"]);
    let originals: Vec<String> = whole.errors.iter().map(|e| e.original.clone()).collect();
    for size in [1, 7, 4096, 5000] {
        assert_eq!(chunked(input.as_bytes(), size), (whole.records.clone(), originals.clone()), "chunk {size}");
    }
}
