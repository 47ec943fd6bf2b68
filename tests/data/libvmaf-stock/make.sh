#!/usr/bin/env bash
# Remakes NAME.out for each line of cases.txt with a stock libvmaf `vmaf`:
#   make.sh PATH/TO/vmaf
# The outputs committed here were made by libvmaf 3.2.0 at Netflix/vmaf commit
# f85a853692a8c730d0270cd733c8bb30b5b93b7c, built with meson
# (`--buildtype release -Denable_float=true`), printing as released (`%.6f`).
set -euo pipefail
vmaf=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
sample="$here/../sample"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The raw inputs: the Y4M frames without headers, and a 10-bit copy (x4, LE).
python3 - "$sample" "$work" <<'PY'
import struct, sys
sample, work = sys.argv[1], sys.argv[2]
for n in ("ref", "dist"):
    data = open(f"{sample}/cell_small.{n}.y4m", "rb").read()
    frames = [f for f in data[data.index(b"\n") + 1:].split(b"FRAME\n") if f]
    raw = b"".join(frames)
    open(f"{work}/{n}.yuv", "wb").write(raw)
    open(f"{work}/{n}10.yuv", "wb").write(b"".join(struct.pack("<H", x << 2) for x in raw))
    # 288x192: every sample repeated 3x3 (MS-SSIM's five scales need 176x176).
    big = bytearray()
    for f in frames:
        for (pw, ph, off) in ((96, 64, 0), (48, 32, 96 * 64), (48, 32, 96 * 64 + 48 * 32)):
            for y in range(ph * 3):
                row = f[off + (y // 3) * pw: off + (y // 3) * pw + pw]
                big += bytes(v for v in row for _ in range(3))
    open(f"{work}/{n}_big.yuv", "wb").write(big)
PY
grep -v '^#' "$here/cases.txt" | while IFS='|' read -r name args; do
    name=$(echo $name)
    args=${args//\{ref\}/$sample/cell_small.ref.y4m}
    args=${args//\{dist\}/$sample/cell_small.dist.y4m}
    args=${args//\{ref_yuv\}/$work/ref.yuv}
    args=${args//\{dist_yuv\}/$work/dist.yuv}
    args=${args//\{ref10\}/$work/ref10.yuv}
    args=${args//\{dist10\}/$work/dist10.yuv}
    args=${args//\{ref_big\}/$work/ref_big.yuv}
    args=${args//\{dist_big\}/$work/dist_big.yuv}
    args=${args//\{out\}/$here/$name.out}
    # shellcheck disable=SC2086
    "$vmaf" $args </dev/null
done
