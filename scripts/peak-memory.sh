#!/usr/bin/env bash
# Peak resident memory of `tinyvmaf-gpu score` (CPU features, default model) on the two
# shapes that stress it: a long clip of tiny frames through pipes (memory must not grow
# with clip length) and one pair of the largest frames allowed (memory must stay under
# --memory-limit).
#
# Usage: scripts/peak-memory.sh [--bin PATH] [--frames N] [--side S] [--threads "1 2"]
#                               [--memory-limit SIZE]
#
#   --bin PATH           the binary (default: build and use target/bench-cpu/tinyvmaf-gpu).
#   --frames N           frames of the 32x32 clip streamed through pipes (default 40000).
#   --side S             the large pair is one SxS 8-bit 4:2:0 frame each (default 16384).
#   --threads LIST       thread counts for the large pair (default "1 2").
#   --memory-limit SIZE  passed to score for the large pair (default: the tool's own default).
#
# What it does:
#   1. Streams an N-frame 32x32 Y4M reference and distorted (made on the fly by python3:
#      seeded random luma, the distorted one quantised to multiples of 8) through two pipes into `score -r - -d /dev/fd/N`, under
#      /usr/bin/time -v, and prints the maximum RSS.
#   2. Writes one SxS frame pair of the same kind to ${TMPDIR:-/tmp}, then scores it once per thread count under /usr/bin/time -v, printing
#      the maximum RSS, wall time and the tool's note on workers. Removes the files.
#
# Needs: bash, python3, GNU time (/usr/bin/time).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=""
frames=40000
side=16384
threads_list="1 2"
limit=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --bin) bin=$2; shift 2 ;;
        --frames) frames=$2; shift 2 ;;
        --side) side=$2; shift 2 ;;
        --threads) threads_list=$2; shift 2 ;;
        --memory-limit) limit=(--memory-limit "$2"); shift 2 ;;
        *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
if [[ -z $bin ]]; then
    (cd "$repo" && cargo build --profile bench-cpu --locked --quiet)
    bin=$repo/target/bench-cpu/tinyvmaf-gpu
fi

# y4m W H FRAMES SEED QUANTISE: a Y4M stream on stdout, random luma, flat chroma.
y4m() {
    python3 - "$@" <<'EOF'
import random, sys
w, h, n, seed, quantise = (int(a) for a in sys.argv[1:])
out = sys.stdout.buffer
out.write(b"YUV4MPEG2 W%d H%d F25:1 Ip A1:1 C420jpeg\n" % (w, h))
chroma = bytes([128]) * (2 * ((w + 1) // 2) * ((h + 1) // 2))
table = bytes(v // 8 * 8 for v in range(256))
rng = random.Random(seed)
for i in range(n):
    # In pieces: randbytes takes at most 2^31 bits at once.
    luma = b"".join(rng.randbytes(min(1 << 24, w * h - k)) for k in range(0, w * h, 1 << 24))
    if quantise:
        luma = luma.translate(table)
    out.write(b"FRAME\n" + luma + chroma)
EOF
}

# peak LABEL COMMAND...: runs the command under GNU time and prints its peak RSS.
peak() {
    local label=$1 report
    shift
    report=$(mktemp)
    /usr/bin/time -v -o "$report" "$@" > /dev/null
    local kib wall
    kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$report")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$report")
    printf '%-44s peak RSS %8.1f MiB   wall %s\n' "$label" "$(echo "$kib / 1024" | bc -l)" "$wall"
    rm -f "$report"
}

echo "binary: $bin"
# The command runs in its own bash (under GNU time), which needs the function.
export -f y4m
peak "$frames frames of 32x32 through pipes" \
    bash -c "'$bin' score --quiet --backend cpu -r - -d <(y4m 32 32 $frames 1 1) -o /dev/null < <(y4m 32 32 $frames 1 0)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/peak-memory.XXXXXX")
trap 'rm -rf "$dir"' EXIT
y4m "$side" "$side" 1 1 0 > "$dir/ref.y4m"
y4m "$side" "$side" 1 1 1 > "$dir/dist.y4m"
for t in $threads_list; do
    peak "one ${side}x${side} pair, --threads $t" \
        "$bin" score --backend cpu --threads "$t" "${limit[@]}" -r "$dir/ref.y4m" -d "$dir/dist.y4m" -o "$dir/log.json"
done
