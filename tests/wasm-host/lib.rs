//! Empty: the tests are in ../wasm.rs.
