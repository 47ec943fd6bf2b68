//! What the C-side tests share: this library installed under a prefix as
//! scripts/install-libvmaf-abi.sh installs it, and requirements that fail under CI
//! instead of skipping.

#![allow(dead_code, reason = "each test file uses part of this module")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("capi/ has a parent").to_path_buf()
}

/// The built library: cargo builds the package's cdylib (with its rlib, which the
/// tests depend on) into the test binaries' own folder before it runs them.
pub fn built_library() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let lib = exe.parent().expect("target/<profile>/deps/<test>").join("libvmaf.so");
    assert!(lib.is_file(), "{} is missing: cargo builds it with the package's tests", lib.display());
    lib
}

/// This library installed (once per test binary) under a temporary prefix:
/// `lib/libvmaf.so.3`, `include/libvmaf/*.h`, `lib/pkgconfig/libvmaf.pc`.
pub fn installed() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let prefix = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("libvmaf-abi-{}", std::process::id()));
        let out = Command::new("bash")
            .arg(root().join("scripts/install-libvmaf-abi.sh"))
            .arg(&prefix)
            .arg("--lib")
            .arg(built_library())
            .output()
            .expect("bash runs");
        assert!(out.status.success(), "install-libvmaf-abi.sh failed: {}", String::from_utf8_lossy(&out.stderr));
        prefix
    })
}

/// A C compiler, or `None` (a failure when `TINYVMAF_REQUIRE_CC` is set).
pub fn c_compiler() -> Option<String> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let found = Command::new(&cc).arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(std::env::var_os("TINYVMAF_REQUIRE_CC").is_none(), "TINYVMAF_REQUIRE_CC is set and {cc} does not run");
        eprintln!("skipped: no C compiler ({cc})");
        return None;
    }
    Some(cc)
}

/// Compiles `source` against the header at `include` (and links this library when
/// `link`), returning the program.
pub fn compile(cc: &str, source: &Path, include: &Path, link: bool, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let program = dir.join(name);
    let mut cmd = Command::new(cc);
    cmd.args(["-std=c11", "-Wall", "-Werror", "-o"]).arg(&program).arg(source).arg("-I").arg(include);
    cmd.arg("-I").arg(include.join("libvmaf"));
    if link {
        let lib = installed().join("lib");
        cmd.arg("-L").arg(&lib).arg("-lvmaf").arg(format!("-Wl,-rpath,{}", lib.display()));
    }
    let out = cmd.output().expect("the C compiler runs");
    assert!(out.status.success(), "{} did not compile: {}", source.display(), String::from_utf8_lossy(&out.stderr));
    program
}
