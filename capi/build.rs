//! libvmaf's soname, so that programs linked against libvmaf 3.x load this library
//! in its place (and programs linked against this one ask for libvmaf.so.3).

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libvmaf.so.3");
    }
}
