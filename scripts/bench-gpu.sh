#!/usr/bin/env bash
# GPU speed against the CPU path (and libvmaf, when given), in one run, for the adapter this machine has:
#   1. the adapter's facts: API, driver, native 64-bit integers, subgroups, timestamps;
#   2. feature extraction only (`tinyvmaf-gpu bench`: synthetic clips held in memory, no file reading or decoding),
#      VMAF (v0.6.1's features) and VMAF+NEG, GPU and CPU side by side, with dispatches and bytes uploaded per frame;
#   3. whole commands on Y4M files in the page cache (`score`, the clips written by `bench --write-clips`):
#      `--backend gpu`, `--backend cpu` and libvmaf's `vmaf`, VMAF and VMAF+NEG, interleaved, median wall time.
#
# Usage: scripts/bench-gpu.sh [--sizes "1920x1080 3840x2160"] [--bit-depths "8 10"] [--frames N] [--cpu-frames N]
#                             [--whole-frames N] [--runs N] [--libvmaf PATH] [--threads N] [--passes] [--gpu-only]
#                             [--no-whole] [--bin PATH] [--adapter N]
#
#   --sizes LIST      default "576x324 1280x720 1920x1080 3840x2160".
#   --bit-depths L    default "8 10".
#   --frames N        frames timed on the GPU per in-memory measurement (default 300), after a 4-frame warm-up.
#   --cpu-frames N    frames timed on the CPU in memory (default 24: the CPU path is far slower at 2160p).
#   --whole-frames N  frames of each clip file for the whole commands (default 60).
#   --runs N          runs per whole command; the median wall time counts (default 3).
#   --libvmaf PATH    libvmaf's `vmaf` CLI (../shared/tools/build-libvmaf.sh builds one), timed on the same files.
#   --threads N       threads for our CPU path and libvmaf (default: all cores).
#   --passes          also time each pass group and each pass of one frame (in-memory rows).
#   --gpu-only        no CPU rows (and no CPU whole commands).
#   --no-whole        skip the whole commands.
#   --bin PATH        use this tinyvmaf-gpu binary instead of building one with `cargo build --release`.
#   --adapter N       adapter index from `tinyvmaf-gpu devices`.
#
# Clip files go to a temporary folder (under /dev/shm when it exists) that is removed at the end; each file is
# read once before its runs so that reading from disk is not timed. Prints progress on stderr, then Markdown
# tables for docs/PERFORMANCE.md on stdout. Needs bash, jq; cargo unless --bin.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
frames=300
cpu_frames=24
whole_frames=60
runs=3
sizes="576x324 1280x720 1920x1080 3840x2160"
depths="8 10"
extra=()
adapter_args=()
bin=""
libvmaf=""
threads=$(nproc)
whole=1
gpu_only=0
while [ $# -gt 0 ]; do
  case $1 in
    --frames) frames=$2; shift 2 ;;
    --cpu-frames) cpu_frames=$2; shift 2 ;;
    --whole-frames) whole_frames=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --bit-depths) depths=$2; shift 2 ;;
    --libvmaf) libvmaf=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --passes) extra+=(--passes); shift ;;
    --gpu-only) extra+=(--gpu-only); gpu_only=1; shift ;;
    --no-whole) whole=0; shift ;;
    --adapter) adapter_args=(--adapter "$2"); shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "bench-gpu.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -n "$libvmaf" ] && [ ! -x "$libvmaf" ]; then
  echo "bench-gpu.sh: libvmaf CLI not executable: $libvmaf" >&2
  exit 2
fi
if [ -z "$bin" ]; then
  (cd "$repo" && cargo build --release --locked >&2)
  bin=${CARGO_TARGET_DIR:-$repo/target}/release/tinyvmaf-gpu
fi
size_args=()
for s in $sizes; do size_args+=(--size "$s"); done
for d in $depths; do size_args+=(--bit-depth "$d"); done

work=$(mktemp -d "$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/bench-gpu.XXXXXX")
trap 'rm -rf "$work"' EXIT
out=$work/bench.jsonl

"$bin" devices >&2 || true
"$bin" bench --json --neg --threads "$threads" --frames "$frames" --cpu-frames "$cpu_frames" "${extra[@]}" \
  "${adapter_args[@]}" "${size_args[@]}" | tee "$out" |
  jq -rc '"\(.width)x\(.height) \(.bit_depth)-bit \(.sets) \(.backend): \(.fps * 100 | round / 100) fps" + (if (.passes | length) > 0 then "  " + ([(.passes + .pass_times)[] | "\(.[0]) \(.[1] * 1000 | floor / 1000) ms"] | join(", ")) + " (passes: \(.pass_clock))" else "" end)' >&2

# Three decimals below 100 fps: a software adapter runs at a few frames per second.
sig3='def sig3: if . == null then "-" elif . >= 100 then (. | floor | tostring) else ((. * 1000 | round) / 1000 | tostring) end;'
echo "Adapter: $(jq -rs 'map(select(.backend == "gpu"))[0] // {} | if .adapter then "\(.adapter) (\(.api), driver \(.driver)); native 64-bit integers: \(.device.int64) (used: \(.device.int64_used)), subgroups: \(.device.subgroups), timestamps: \(.device.timestamps)" else "none" end' "$out")"
echo "$(date -u +%Y-%m-%d); $(nproc) CPU threads, --threads $threads; in memory: GPU $frames, CPU $cpu_frames frames per measurement."
echo
echo "Feature extraction, clips in memory:"
echo
echo "| size | bit depth | features | GPU fps | CPU fps | GPU / CPU | dispatches / frame | bytes uploaded / frame |"
echo "|---|---|---|---|---|---|---|---|"
jq -rs "$sig3"'
  group_by([.width, .height, .bit_depth, .sets])[] |
  (map(select(.backend == "gpu"))[0]) as $gpu | ($gpu.fps // null) as $g | (map(select(.backend == "cpu"))[0].fps // null) as $c |
  "| \(.[0].width)x\(.[0].height) | \(.[0].bit_depth) | \(.[0].sets) | \($g | sig3) | \($c | sig3) | \(if $g and $c then ($g / $c | sig3) + "x" else "-" end) | \($gpu.dispatches_per_frame // "-") | \($gpu.upload_bytes_per_frame // "-") |"' "$out"

[ "$whole" = 1 ] || exit 0

median() { sort -g | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2] + v[NR/2+1]) / 2}'; }
# Wall seconds of one command (its output discarded; a failure stops the script).
wall() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; echo "bench-gpu.sh: failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}
ours() { # backend ref dist models...
  local backend=$1 ref=$2 dist=$3; shift 3
  local models=()
  for m in "$@"; do models+=(-m "$m"); done
  wall "$bin" score --reference "$ref" --distorted "$dist" --backend "$backend" --threads "$threads" "${adapter_args[@]}" \
    "${models[@]}" --quiet --output "$work/out.json"
}
theirs() { # ref dist models...
  local ref=$1 dist=$2; shift 2
  local models=()
  for m in "$@"; do models+=(--model "version=$m:name=$m"); done
  wall "$libvmaf" -r "$ref" -d "$dist" --threads "$threads" -q "${models[@]}" --json -o "$work/libvmaf.json"
}

rows=()
for s in $sizes; do
  for d in $depths; do
    "$bin" bench --write-clips "$work" --size "$s" --bit-depth "$d" --frames "$whole_frames" 2>/dev/null
    ref=$work/${s}_${d}bit.ref.y4m
    dist=$work/${s}_${d}bit.dist.y4m
    cat "$ref" "$dist" >/dev/null
    for sets in vmaf vmaf+neg; do
      models=(vmaf_v0.6.1)
      [ "$sets" = vmaf+neg ] && models+=(vmaf_v0.6.1neg)
      gpu=() cpu=() lib=()
      for ((i = 0; i < runs; i++)); do
        gpu+=("$(ours gpu "$ref" "$dist" "${models[@]}")")
        [ "$gpu_only" = 1 ] || cpu+=("$(ours cpu "$ref" "$dist" "${models[@]}")")
        [ -z "$libvmaf" ] || lib+=("$(theirs "$ref" "$dist" "${models[@]}")")
      done
      fps() { if [ $# -eq 0 ]; then echo null; else awk -v n="$whole_frames" -v t="$(printf '%s\n' "$@" | median)" 'BEGIN { print n / t }'; fi; }
      g=$(fps "${gpu[@]}") c=$(fps "${cpu[@]+"${cpu[@]}"}") l=$(fps "${lib[@]+"${lib[@]}"}")
      echo "$s $d-bit $sets whole command: GPU $g fps, CPU $c fps, libvmaf $l fps" >&2
      rows+=("{\"size\":\"$s\",\"bit_depth\":$d,\"sets\":\"$sets\",\"gpu\":$g,\"cpu\":$c,\"libvmaf\":$l}")
    done
    rm -f "$ref" "$dist"
  done
done
echo
echo "Whole command (\`score\` from Y4M files in the page cache, $whole_frames frames, median of $runs interleaved runs):"
echo
echo "| size | bit depth | models | GPU fps | CPU fps | libvmaf fps | GPU / CPU | GPU / libvmaf |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}" | jq -rs "$sig3"'.[] |
  def ratio(a; b): if a and b then (a / b | sig3) + "x" else "-" end;
  "| \(.size) | \(.bit_depth) | \(.sets) | \(.gpu | sig3) | \(.cpu | sig3) | \(.libvmaf | sig3) | \(ratio(.gpu; .cpu)) | \(ratio(.gpu; .libvmaf)) |"'
