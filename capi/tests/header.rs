//! include/libvmaf/libvmaf.h is what cbindgen makes of src/abi.rs today, byte for
//! byte: the header callers compile against never drifts from the functions.

use std::path::Path;

#[test]
fn the_header_is_generated_from_the_declarations() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml reads");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen parses src/")
        .write(&mut generated);
    let path = crate_dir.join("include/libvmaf/libvmaf.h");
    if std::env::var_os("TINYVMAF_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("header written");
    }
    let checked_in = std::fs::read(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "{} is not cbindgen's output for src/abi.rs; regenerate it with \
         TINYVMAF_BLESS=1 cargo test -p tinyvmaf-capi --test header",
        path.display()
    );
}
