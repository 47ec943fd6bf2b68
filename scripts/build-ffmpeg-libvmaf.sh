#!/usr/bin/env bash
# Builds a small ffmpeg + ffprobe with the `libvmaf` filter from Debian's ffmpeg 5.1
# source package, against the libvmaf whose `libvmaf.pc` lies in PKGCONFIG_DIR (ours,
# from scripts/install-libvmaf-abi.sh, or any libvmaf 3.x). ffmpeg links libvmaf
# dynamically, so the same binaries run on either library through LD_LIBRARY_PATH.
#
# Usage: scripts/build-ffmpeg-libvmaf.sh PKGCONFIG_DIR OUT_DIR
# Prints OUT_DIR/bin, which holds `ffmpeg` and `ffprobe`. The source package is
# downloaded once into ${TINYVMAF_FFMPEG_SRC:-${TMPDIR:-/tmp}/tinyvmaf-ffmpeg-src}
# (needs a deb-src entry; one is added beside Debian's own sources if missing).
#
# Only what the filter and its clients need is enabled: Y4M, raw video, MP4/Matroska
# with H.264 (what ab-av1 feeds it), the scaler, `scale2ref` and `split` (ffmpeg-quality-metrics),
# and the filter itself.
set -euo pipefail
pc_dir=$(realpath "$1")
out=$(realpath -m "$2")
src_cache=${TINYVMAF_FFMPEG_SRC:-${TMPDIR:-/tmp}/tinyvmaf-ffmpeg-src}

if [ ! -f "$src_cache/ffmpeg/configure" ]; then
  mkdir -p "$src_cache"
  if ! ls "$src_cache"/ffmpeg_5.1*.orig.tar.xz >/dev/null 2>&1; then
    if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
        > /etc/apt/sources.list.d/tinyvmaf-deb-src.sources
      apt-get update -qq
    fi
    (cd "$src_cache" && apt-get source --download-only ffmpeg >/dev/null 2>&1)
  fi
  tarball=$(ls "$src_cache"/ffmpeg_5.1*.orig.tar.xz | head -n 1)
  rm -rf "$src_cache/ffmpeg" "$src_cache/unpack" && mkdir -p "$src_cache/unpack"
  tar -xf "$tarball" -C "$src_cache/unpack"
  mv "$src_cache"/unpack/ffmpeg-* "$src_cache/ffmpeg" && rmdir "$src_cache/unpack"
fi

build="$out/build"
rm -rf "$out" && mkdir -p "$build"
cd "$build"
PKG_CONFIG_PATH="$pc_dir" "$src_cache/ffmpeg/configure" --prefix="$out" \
  --disable-everything --disable-doc --disable-network --disable-autodetect \
  --enable-libvmaf --enable-filter=libvmaf,scale,scale2ref,format,null,setpts,settb,split \
  --enable-protocol=file,pipe \
  --enable-demuxer=mov,matroska,yuv4mpegpipe,rawvideo \
  --enable-decoder=h264,rawvideo,wrapped_avframe --enable-parser=h264 \
  --enable-encoder=wrapped_avframe,rawvideo --enable-muxer=null,rawvideo \
  > configure.log 2>&1 || { tail -n 30 configure.log ffbuild/config.log >&2; exit 1; }
make -j"$(nproc)" > make.log 2>&1 || { tail -n 40 make.log >&2; exit 1; }
make install > install.log 2>&1
echo "$out/bin"
