//! The header's structs have libvmaf's layout: tests/c/layout.c, compiled against
//! include/libvmaf/libvmaf.h, prints what it printed against libvmaf 3.2.0's own
//! headers (recorded in tests/data/libvmaf-3.2.0-layout.txt). With
//! `TINYVMAF_LIBVMAF_SRC` naming a built libvmaf tree (its `libvmaf/` folder, as
//! ../shared/tools/build-libvmaf.sh leaves it), the program is also compiled against
//! those headers and compared live.

mod common;

use std::path::Path;
use std::process::Command;

fn run(program: &Path) -> String {
    let out = Command::new(program).output().expect("layout program runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout).expect("ASCII")
}

#[test]
fn structs_and_enums_are_laid_out_as_libvmaf_lays_them_out() {
    if !cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        eprintln!("skipped: the recorded layout is x86-64 Linux's");
        return;
    }
    let Some(cc) = common::c_compiler() else { return };
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = here.join("tests/c/layout.c");
    let ours = run(&common::compile(&cc, &source, &here.join("include"), false, "layout-ours"));
    let recorded = std::fs::read_to_string(here.join("tests/data/libvmaf-3.2.0-layout.txt")).expect("recorded layout");
    let recorded: String = recorded.lines().filter(|l| !l.starts_with('#')).map(|l| format!("{l}\n")).collect();
    assert_eq!(ours, recorded, "our header's layout differs from libvmaf 3.2.0's");
    assert_eq!(ours.lines().count(), 38, "every struct and field is printed");

    if let Some(src) = std::env::var_os("TINYVMAF_LIBVMAF_SRC") {
        let src = Path::new(&src);
        let program = Path::new(env!("CARGO_TARGET_TMPDIR")).join("layout-libvmaf");
        let out = Command::new(&cc)
            .args(["-std=c11", "-o"])
            .arg(&program)
            .arg(&source)
            .arg("-I")
            .arg(src.join("include"))
            .arg("-I")
            .arg(src.join("include/libvmaf"))
            .arg("-I")
            .arg(src.join("build/include"))
            .output()
            .expect("cc runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(ours, run(&program), "our header's layout differs from {}'s", src.display());
    }
}
