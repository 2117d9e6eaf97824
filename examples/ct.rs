//! Debug helper: `cargo run --example ct -- FILE` prints NDJSON for a log file.
fn main() {
    let path = std::env::args().nth(1).expect("usage: ct FILE");
    let data = std::fs::read(&path).expect("read");
    let mut opts = cloudfront_trail::Options::default();
    opts.enrich = std::env::var("CT_ENRICH").map_or(true, |v| v != "0");
    match cloudfront_trail::transform_log_to_ndjson(&data, &opts) {
        Ok((out, summary)) => {
            std::io::Write::write_all(&mut std::io::stdout().lock(), &out).expect("write");
            eprintln!("{summary:?}");
        }
        Err(e) => eprintln!("error: {e}"),
    }
}
