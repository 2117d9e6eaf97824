//! Table-test helpers shared by the unit tests at the bottom of each module.

/// Runs `$f` over rows of `(name, input, expected)` and reports every failing row by name.
#[macro_export]
#[doc(hidden)]
macro_rules! table_test {
    ($f:expr, [$(($name:expr, $input:expr, $expected:expr)),* $(,)?]) => {{
        let mut failures = alloc::vec::Vec::<alloc::string::String>::new();
        $(
            let got = $f($input);
            if got != $expected {
                failures.push(alloc::format!("{}: input {:?}: expected {:?}, got {:?}", $name, $input, $expected, got));
            }
        )*
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }};
}

/// The files under tests/fixtures, and under ../shared/samples when `shared` and it exists (a
/// user's clone has none), each under `max_bytes`, sorted: the corpus of the whole-log tests.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn sample_files(max_bytes: u64, shared: bool) -> alloc::vec::Vec<std::path::PathBuf> {
    let mut files = alloc::vec::Vec::new();
    let mut stack = alloc::vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))];
    let samples = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/samples"));
    if shared && samples.exists() {
        stack.push(samples);
    }
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.metadata().map(|m| m.len() < max_bytes).unwrap_or(false) {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}
