#!/usr/bin/env bash
# Feature-extraction speed on the GPU and the CPU side by side (VMAF v0.6.1's features: VIF x4, ADM, motion),
# per frame size and bit depth, on synthetic clips held in memory (file reading and decoding are not counted).
#
# Usage: scripts/bench-gpu.sh [--frames N] [--cpu-frames N] [--sizes "576x324 1920x1080"] [--bit-depths "8 10"]
#                             [--passes] [--gpu-only] [--bin PATH] [--adapter N]
#
#   --frames N       frames timed on the GPU per measurement (default 300), after a 4-frame warm-up.
#   --cpu-frames N   frames timed on the CPU (default 24: the CPU path is far slower at 2160p).
#   --sizes LIST     default "576x324 1280x720 1920x1080 3840x2160".
#   --bit-depths L   default "8 10".
#   --passes         also time each pass group (median of 9), then each pass (its dispatches each submitted
#                    alone, median of 5), of one frame (wall-clock).
#   --gpu-only       skip the CPU rows.
#   --bin PATH       use this tinyvmaf-gpu binary instead of building one with `cargo build --release`.
#   --adapter N      adapter index from `tinyvmaf-gpu devices`.
#
# Prints one line per measurement as it finishes, then a Markdown table (fps, and GPU/CPU ratio) for
# docs/PERFORMANCE.md. Needs bash, jq; cargo unless --bin.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
frames=300
cpu_frames=24
sizes="576x324 1280x720 1920x1080 3840x2160"
depths="8 10"
extra=()
bin=""
while [ $# -gt 0 ]; do
  case $1 in
    --frames) frames=$2; shift 2 ;;
    --cpu-frames) cpu_frames=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --bit-depths) depths=$2; shift 2 ;;
    --passes) extra+=(--passes); shift ;;
    --gpu-only) extra+=(--gpu-only); shift ;;
    --adapter) extra+=(--adapter "$2"); shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "bench-gpu.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$bin" ]; then
  (cd "$repo" && cargo build --release --locked >&2)
  bin=${CARGO_TARGET_DIR:-$repo/target}/release/tinyvmaf-gpu
fi
args=(bench --json --frames "$frames" --cpu-frames "$cpu_frames" "${extra[@]}")
for s in $sizes; do args+=(--size "$s"); done
for d in $depths; do args+=(--bit-depth "$d"); done

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bin" devices >&2
"$bin" "${args[@]}" | tee "$out" | jq -rc '"\(.width)x\(.height) \(.bit_depth)-bit \(.backend): \(.fps * 100 | round / 100) fps" + (if (.passes | length) > 0 then "  " + ([(.passes + .pass_times)[] | "\(.[0]) \(.[1] * 1000 | floor / 1000) ms"] | join(", ")) else "" end)' >&2

echo "| size | bit depth | GPU fps | CPU fps | GPU / CPU | dispatches / frame | bytes uploaded / frame |"
echo "|---|---|---|---|---|---|---|"
# Three decimals below 100 fps: a software adapter runs at a few frames per second.
jq -rs 'def sig3: if . == null then "-" elif . >= 100 then (. | floor | tostring) else ((. * 1000 | round) / 1000 | tostring) end;
  group_by([.width, .height, .bit_depth])[] |
  (map(select(.backend == "gpu"))[0]) as $gpu | ($gpu.fps // null) as $g | (map(select(.backend == "cpu"))[0].fps // null) as $c |
  "| \(.[0].width)x\(.[0].height) | \(.[0].bit_depth) | \($g | sig3) | \($c | sig3) | \(if $g and $c then ($g / $c | sig3) + "x" else "-" end) | \($gpu.dispatches_per_frame // "-") | \($gpu.upload_bytes_per_frame // "-") |"' "$out"
adapter=$(jq -rs 'map(select(.backend == "gpu"))[0].adapter // "none"' "$out")
echo
echo "Adapter: $adapter; $(date -u +%Y-%m-%d); $(nproc) CPU threads; frames: GPU $frames, CPU $cpu_frames per measurement."
