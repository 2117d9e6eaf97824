//! Sets `cfg(shared_samples)` when ../shared/samples/real exists (beside the repository), so the
//! test over the real samples is reported as ignored, not passed, where they are absent.
fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples/real");
    println!("cargo::rustc-check-cfg=cfg(shared_samples)");
    println!("cargo::rerun-if-changed={}", dir.display());
    if dir.is_dir() {
        println!("cargo::rustc-cfg=shared_samples");
    }
}
