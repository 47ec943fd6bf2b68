#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ one after another, SECONDS each, and prints
# per target: executions (libFuzzer's final stats), wall time, and the crash /
# timeout / OOM inputs it wrote. Exits 1 if any target found one.
#
# Usage: scripts/fuzz.sh SECONDS [TARGET...]     (default: every target)
#
#   Targets: y4m yuv registry onnx_scan manifest spec vmaf_cli (see fuzz/README.md).
#   Needs:   a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
#
# What it does:
#   1. `cargo +nightly fuzz build` (AddressSanitizer, debug assertions on).
#   2. For each target, libFuzzer under `nice -n 10`, one process at a time:
#        corpus: fuzz/work/TARGET (grown here, git-ignored), then the checked-in
#                seeds fuzz/corpus/TARGET (only read, so they stay small);
#        -timeout=10           an input taking 10 s is reported as a hang;
#        -malloc_limit_mb=256  one allocation over 256 MiB is reported as an OOM:
#                              inputs are at most 64 KiB, so that is no honest size;
#        -rss_limit_mb=2048    the process as a whole.
#      libFuzzer stops at the first crash of a target; the script goes on to the
#      next target. Crashing inputs land in fuzz/artifacts/TARGET/ (crash-*,
#      timeout-*, oom-*, leak-*), full logs in fuzz/work/TARGET.log.
#   Extra libFuzzer flags can be given in $FUZZ_FLAGS (e.g. FUZZ_FLAGS=-only_ascii=1).
set -euo pipefail

if [[ $# -lt 1 || ! $1 =~ ^[0-9]+$ ]]; then
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
seconds=$1
shift
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=(y4m yuv registry onnx_scan manifest spec vmaf_cli)
fi

fuzz=$(cd "$(dirname "$0")/../fuzz" && pwd)
cd "$fuzz"
nice -n 10 cargo +nightly fuzz build

found=0
printf '%-10s %14s %8s  %s\n' target executions seconds "crashes/timeouts/OOMs"
for target in "${targets[@]}"; do
    mkdir -p "work/$target" "artifacts/$target"
    log=work/$target.log
    before=$(ls "artifacts/$target")
    start=$(date +%s)
    status=0
    # shellcheck disable=SC2086 # FUZZ_FLAGS is a list of flags
    nice -n 10 cargo +nightly fuzz run "$target" "work/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -malloc_limit_mb=256 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 ${FUZZ_FLAGS:-} >"$log" 2>&1 || status=$?
    elapsed=$(($(date +%s) - start))
    executions=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -n 1 | awk '{print $2}')
    new=$(comm -13 <(printf '%s\n' "$before" | sort) <(ls "artifacts/$target" | sort) | grep -v '^$' || true)
    count=$(printf '%s' "$new" | grep -c . || true)
    printf '%-10s %14s %8s  %s\n' "$target" "${executions:-?}" "$elapsed" "$count"
    for artifact in $new; do
        echo "    fuzz/artifacts/$target/$artifact"
    done
    if [[ $status -ne 0 && $count -eq 0 ]]; then
        # libFuzzer failed without writing an input: show why.
        echo "    exit status $status without an artifact; last lines of fuzz/$log:"
        tail -n 15 "$log" | sed 's/^/    /'
        count=1
    fi
    found=$((found + count))
done

if [[ $found -ne 0 ]]; then
    echo "fuzz.sh: $found crashing input(s); see fuzz/README.md, \"When a target crashes\"" >&2
    exit 1
fi
