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
