#!/usr/bin/env bash
# Throughput of `tinyvmaf-gpu batch` (CPU path) against running `tinyvmaf-gpu score` once per pair
# in a shell loop, on the same N pairs.
#
# Usage: scripts/bench-batch.sh [--pairs N] [--pair NAME] [--threads T] [--profile P] [--bin PATH] [--no-build]
#
#   --pairs N       pairs in the batch (default 100): one oracle pair repeated under N ids.
#   --pair NAME     the oracle pair (default testsrc2_576x324__x264_crf28: 576x324, 16 frames).
#   --threads T     --threads for both (default: all cores).
#   --profile P     cargo profile to build and time (default bench-cpu: release for our crate;
#                   `dev` is the debug profile, which also optimises our crate).
#   --bin PATH      time this binary instead (implies --no-build).
#   --no-build      do not run cargo; use ${CARGO_TARGET_DIR:-target}/<profile>/tinyvmaf-gpu.
#
# Both sides write every pair's per-frame JSON log (`score -o`, `batch --per-frame-dir`), so they do
# the same work; batch also writes and fsyncs its results file. Prints pairs per minute for each,
# the ratio batch/loop, and checks that both got the same pooled VMAF for the pair.
#
# Needs: bash, coreutils, xz, jq, ../shared/oracle; cargo unless --bin/--no-build.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
oracle=$repo/../shared/oracle
pairs=100
pair=testsrc2_576x324__x264_crf28
threads=$(nproc)
profile=bench-cpu
bin=""
build=1

while [ $# -gt 0 ]; do
  case $1 in
    --pairs) pairs=$2; shift 2 ;;
    --pair) pair=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --bin) bin=$2; build=0; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

log() { echo "$*" >&2; }

if [ -z "$bin" ]; then
  target=${CARGO_TARGET_DIR:-$repo/target}
  case $target in /*) ;; *) target=$repo/$target ;; esac
  dir=$profile
  [ "$profile" = dev ] && dir=debug
  bin=$target/$dir/tinyvmaf-gpu
  if [ "$build" = 1 ]; then
    log "building: (cd $repo && cargo build --profile $profile --bin tinyvmaf-gpu)"
    (cd "$repo" && cargo build --profile "$profile" --bin tinyvmaf-gpu >&2)
  fi
fi
[ -x "$bin" ] || { echo "no binary at $bin" >&2; exit 1; }
[ -f "$oracle/clips/$pair.ref.y4m.xz" ] || { echo "no oracle pair $pair under $oracle/clips" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-batch.XXXXXX")
trap 'rm -rf "$work"' EXIT
xz -dc "$oracle/clips/$pair.ref.y4m.xz" >"$work/ref.y4m"
xz -dc "$oracle/clips/$pair.dist.y4m.xz" >"$work/dist.y4m"
{
  echo "id,reference,distorted"
  for i in $(seq -w 0 $((pairs - 1))); do echo "pair-$i,ref.y4m,dist.y4m"; done
} >"$work/manifest.csv"

now() { date +%s.%N; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "bench-batch: $pairs x $pair, threads=$threads, bin=$bin, load=$load_start"

# 1. One batch.
t0=$(now)
"$bin" batch "$work/manifest.csv" --output "$work/batch.jsonl" --per-frame-dir "$work/batch-frames" \
  --threads "$threads" --quiet
t1=$(now)
batch_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
ok=$(jq -s '[.[] | select(.status == "ok")] | length' "$work/batch.jsonl")
[ "$ok" = "$pairs" ] || { echo "batch recorded $ok ok pairs, expected $pairs" >&2; exit 1; }
log "  batch: ${batch_s}s"

# 2. `score` once per pair, as a shell loop would.
mkdir -p "$work/loop"
t0=$(now)
for i in $(seq -w 0 $((pairs - 1))); do
  "$bin" score --reference "$work/ref.y4m" --distorted "$work/dist.y4m" --threads "$threads" --quiet \
    --output "$work/loop/pair-$i.json"
done
t1=$(now)
loop_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
log "  loop:  ${loop_s}s"

# 3. Same numbers.
b_mean=$(jq -s '.[0].scores.vmaf.mean' "$work/batch.jsonl")
l_mean=$(jq '.pooled_metrics.vmaf.mean' "$work/loop/pair-$(seq -w 0 $((pairs - 1)) | head -n1).json")
[ "$b_mean" = "$l_mean" ] || { echo "pooled vmaf differs: batch $b_mean, score $l_mean" >&2; exit 1; }

frames=$(jq -s '.[0].frames' "$work/batch.jsonl")
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
awk -v n="$pairs" -v f="$frames" -v b="$batch_s" -v l="$loop_s" -v p="$pair" -v t="$threads" \
    -v ls="$load_start" -v le="$load_end" -v bin="$bin" 'BEGIN {
  printf "\n%d pairs of %s (%d frames each), --threads %d, %s\n", n, p, f, t, bin
  printf "load average (1/5/15 min): start %s, end %s\n\n", ls, le
  printf "| run | wall s | pairs/min | frames/s |\n|---|---|---|---|\n"
  printf "| batch (one process) | %.2f | %.1f | %.1f |\n", b, n * 60 / b, n * f / b
  printf "| score in a shell loop | %.2f | %.1f | %.1f |\n", l, n * 60 / l, n * f / l
  printf "\nratio batch/loop (pairs per minute): %.2f\n", l / b
}'
echo "pooled vmaf mean, batch = score: $b_mean"
