//! Puts the rules the Fluent Bit filter builds in (src/fluentbit.rs, docs/FLUENTBIT.md) in
//! `$OUT_DIR/builtin_rules.json`: the file `CLOUDFRONT_TRAIL_BUILTIN_RULES` names (a JSON array
//! of rules, or an index.json from scripts/sigma-rules.mjs, whose `rules` the filter takes),
//! copied as it is; `[]` when the variable is unset or empty. Only src/fluentbit.rs (feature
//! `fluentbit`) includes the file, so the npm package's wasm and native builds do not carry it.
//! SigmaHQ's rules are never in git: scripts/build.d/fluentbit.sh points the variable at the
//! build's own copy.
use std::{env, fs, path::PathBuf};

const VAR: &str = "CLOUDFRONT_TRAIL_BUILTIN_RULES";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed={VAR}");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_rules.json");
    let text = match env::var_os(VAR).filter(|v| !v.is_empty()) {
        None => String::from("[]"),
        Some(path) => {
            println!("cargo:rerun-if-changed={}", path.to_string_lossy());
            // A path that was given but cannot be read is a mistake, not "no rules": fail the build.
            fs::read_to_string(&path).unwrap_or_else(|e| panic!("{VAR}={}: {e}", path.to_string_lossy()))
        }
    };
    // Written only when it differs, so an unchanged file does not rebuild the crate.
    if fs::read_to_string(&out).ok().as_deref() != Some(text.as_str()) {
        fs::write(&out, text).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    }
}
