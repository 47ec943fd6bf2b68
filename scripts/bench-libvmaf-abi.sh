#!/usr/bin/env bash
# Speed of ffmpeg's libvmaf filter on this project's libvmaf.so.3 side by side with
# stock libvmaf's, on the same ffmpeg: runs interleaved (stock, ours, stock, …), the
# whole ffmpeg command timed; prints each run, then the median wall time, fps and
# ratio per thread count, and checks the pooled VMAF is the same on both.
#
# Usage: scripts/bench-libvmaf-abi.sh FFMPEG_BIN_DIR STOCK_LIB_DIR OUR_LIB_DIR DIST REF FRAMES [RUNS]
#   FFMPEG_BIN_DIR  an ffmpeg with the filter (scripts/build-ffmpeg-libvmaf.sh)
#   STOCK_LIB_DIR   the folder of stock libvmaf.so.3 (../shared/tools/build-libvmaf.sh: libvmaf/build/src)
#   OUR_LIB_DIR     PREFIX/lib of scripts/install-libvmaf-abi.sh (a release build)
#   DIST REF        the inputs, any format that ffmpeg reads; FRAMES: how many they hold
#   RUNS            runs per (library, threads), default 5
# TINYVMAF_BACKEND is set to cpu unless given (the CPU engine against libvmaf's CPU path).
set -euo pipefail
bin=$1; stock=$2; ours=$3; dist=$4; ref=$5; frames=$6; runs=${7:-5}
export TINYVMAF_BACKEND=${TINYVMAF_BACKEND:-cpu}
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq 1 "$runs"); do
  for threads in 0 2; do
    for lib in stock ours; do
      dir=$stock; [ "$lib" = ours ] && dir=$ours
      start=$(date +%s.%N)
      LD_LIBRARY_PATH=$dir "$bin/ffmpeg" -hide_banner -nostats -loglevel error -i "$dist" -i "$ref" \
        -lavfi "libvmaf=n_threads=$threads:log_fmt=json:log_path=$out/$lib.json" -f null -
      end=$(date +%s.%N)
      vmaf=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['pooled_metrics']['vmaf']['mean'])" "$out/$lib.json")
      echo "$threads $lib $(echo "$end - $start" | bc) $vmaf" | tee -a "$out/runs.txt"
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out/runs.txt" "$frames" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
frames = int(sys.argv[2])
bad = False
for t in ("0", "2"):
    s = [float(r[2]) for r in rows if r[0] == t and r[1] == "stock"]
    o = [float(r[2]) for r in rows if r[0] == t and r[1] == "ours"]
    scores = {r[3] for r in rows if r[0] == t}
    ms, mo = statistics.median(s), statistics.median(o)
    print(f"n_threads={t}: stock {ms:.3f} s ({frames / ms:.1f} fps), ours {mo:.3f} s ({frames / mo:.1f} fps), "
          f"ours/stock speed {ms / mo:.2f}; pooled VMAF {sorted(scores)}")
    bad |= len(scores) != 1
sys.exit(1 if bad else 0)
PY
