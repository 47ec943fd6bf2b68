#!/usr/bin/env bash
# Installs tinyvmaf-gpu's libvmaf.so.3 (libvmaf's C interface on this engine) under
# PREFIX: lib/libvmaf.so.3 (+ the libvmaf.so link), include/libvmaf/*.h and
# lib/pkgconfig/libvmaf.pc. Then either run an existing ffmpeg on it
#   LD_LIBRARY_PATH=PREFIX/lib ffmpeg … -lavfi libvmaf …
# or build ffmpeg against it (PKG_CONFIG_PATH=PREFIX/lib/pkgconfig; see
# scripts/build-ffmpeg-libvmaf.sh).
#
# Usage: scripts/install-libvmaf-abi.sh PREFIX [--lib FILE]
#   --lib FILE  install this already built library (target/*/libvmaf.so) instead of
#               building it in release (~20 minutes from clean on two cores).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
prefix=""; lib=""
while [ $# -gt 0 ]; do
  case "$1" in
    --lib) lib=$(realpath "$2"); shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) prefix=$(realpath -m "$1"); shift ;;
  esac
done
[ -n "$prefix" ] || { echo "usage: $0 PREFIX [--lib FILE]" >&2; exit 2; }
if [ -z "$lib" ]; then
  (cd "$here" && cargo build --locked --release -p tinyvmaf-capi)
  lib="$here/target/release/libvmaf.so"
fi
[ -f "$lib" ] || { echo "$lib: no such library" >&2; exit 1; }

mkdir -p "$prefix/lib/pkgconfig" "$prefix/include/libvmaf"
install -m 0755 "$lib" "$prefix/lib/libvmaf.so.3"
ln -sfn libvmaf.so.3 "$prefix/lib/libvmaf.so"
install -m 0644 "$here"/capi/include/libvmaf/*.h "$prefix/include/libvmaf/"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/capi/Cargo.toml" | head -n 1)
# Both include directories, as libvmaf's own .pc gives them: callers include
# <libvmaf.h> (ffmpeg) or <libvmaf/libvmaf.h>.
cat > "$prefix/lib/pkgconfig/libvmaf.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: libvmaf
Description: libvmaf's C interface on tinyvmaf-gpu's engine
Version: $version
Libs: -L\${libdir} -lvmaf
Libs.private: -lpthread -ldl -lm
Cflags: -I\${includedir} -I\${includedir}/libvmaf
PC
echo "$prefix"
