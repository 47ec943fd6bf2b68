#!/usr/bin/env bash
# CPU speed of `tinyvmaf-gpu score` (vmaf_v0.6.1, CPU features) side by side with libvmaf's `vmaf` tool.
#
# Usage: scripts/bench-cpu.sh [--libvmaf PATH_TO_vmaf] [--threads "1 2"] [--runs 3]
#                             [--bin PATH] [--no-build] [--clips DIR] [--label TEXT]
#
#   --libvmaf PATH  libvmaf's CLI (e.g. /tmp/vmaf-build/tools/vmaf). Without it only our numbers are printed.
#   --threads LIST  thread counts to run, space separated (default "1 2"); passed as --threads to both tools.
#   --runs N        runs per (tool, clip, threads); the median wall time is reported (default 3).
#   --bin PATH      time this tinyvmaf-gpu binary instead of building one (implies --no-build).
#   --no-build      do not run cargo; use ${CARGO_TARGET_DIR:-target}/bench-cpu/tinyvmaf-gpu.
#   --clips DIR     where the long clips are made and cached (default ${TMPDIR:-/tmp}/bench-clips).
#   --label TEXT    describes our binary in the output (e.g. "bench-cpu, target-cpu=native").
#
# What it does:
#   1. `cargo build --profile bench-cpu` (release for our crate, deps at opt-level 1; honours RUSTFLAGS and
#      CARGO_TARGET_DIR).
#   2. Makes long clips from the oracle pairs in ../shared/oracle (relative to the repo root): each pair's
#      frames repeated REPEAT times (576x324: 16 -> 96 frames, 720p: 8 -> 48, 1080p: 6 -> 36), and the 1080p
#      pair converted to 10-bit (yuv420p10le) with ffmpeg when it is installed. Offline.
#   3. For each clip and thread count, runs each tool --runs times, interleaved (ours, libvmaf, ours, ...),
#      timing the whole command (process start to exit, incl. model load and Y4M reading) with `date +%s.%N`.
#      fps = frames / median wall time, for both tools. Our JSON's own `fps` (feature extraction + model, no
#      process start-up) is reported too.
#   4. Checks that our per-frame vmaf equals libvmaf's on every bench clip: against the timed (default, SIMD)
#      libvmaf run and against one extra run with `--cpumask 63` (libvmaf's plain C path, the oracle's
#      definition). The C-path diff must be <= 5e-5 (exit status 1 otherwise).
#
# Needs: bash, coreutils, xz, jq; cargo unless --bin/--no-build; ffmpeg for the 10-bit clip.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
oracle=$repo/../shared/oracle
libvmaf=""
threads_list="1 2"
runs=3
bin=""
build=1
clips=${TMPDIR:-/tmp}/bench-clips
label="bench-cpu profile, RUSTFLAGS='${RUSTFLAGS:-}'"
repeat=6
tol=5e-5

while [ $# -gt 0 ]; do
  case $1 in
    --libvmaf) libvmaf=$2; shift 2 ;;
    --threads) threads_list=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --bin) bin=$2; build=0; shift 2 ;;
    --no-build) build=0; shift ;;
    --clips) clips=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

# Pairs: name and how many times its frames are repeated.
pairs=(
  testsrc2_576x324__x264_crf28
  rocket_1280x720__x264_crf28
  gradients_1920x1080__x264_crf38
)

log() { echo "$*" >&2; }

# ---- 1. our binary ---------------------------------------------------------------------------------------
if [ -z "$bin" ]; then
  target=${CARGO_TARGET_DIR:-$repo/target}
  case $target in /*) ;; *) target=$repo/$target ;; esac
  bin=$target/bench-cpu/tinyvmaf-gpu
  if [ "$build" = 1 ]; then
    log "building: (cd $repo && RUSTFLAGS='${RUSTFLAGS:-}' cargo build --profile bench-cpu)"
    (cd "$repo" && cargo build --profile bench-cpu --bin tinyvmaf-gpu >&2)
  fi
fi
[ -x "$bin" ] || { echo "no binary at $bin" >&2; exit 1; }
if [ -n "$libvmaf" ]; then
  [ -x "$libvmaf" ] || { echo "libvmaf CLI not executable: $libvmaf" >&2; exit 1; }
fi

# ---- 2. long clips -----------------------------------------------------------------------------------------
# A Y4M is one header line, then "FRAME\n" + raw planes per frame: keep the header, repeat the frame blocks.
make_long() { # src.y4m.xz dest.y4m
  local src=$1 dest=$2 tmp
  [ -s "$dest" ] && return 0
  tmp=$(mktemp "$clips/.part.XXXXXX")
  xz -dc "$src" >"$tmp.one"
  local header hlen
  header=$(head -n1 "$tmp.one")
  hlen=$(( ${#header} + 1 ))
  {
    printf '%s\n' "$header"
    for _ in $(seq "$repeat"); do tail -c +"$((hlen + 1))" "$tmp.one"; done
  } >"$tmp"
  rm -f "$tmp.one"
  chmod 644 "$tmp"
  mv -f "$tmp" "$dest"
}
# Frames in a (plain "FRAME\n", 4:2:0) Y4M, from its size; fails on anything else.
y4m_frames() {
  local f=$1 header w h c bpp fsize hlen size
  header=$(head -n1 "$f")
  w=$(sed -n 's/.* W\([0-9]*\).*/\1/p' <<<"$header")
  h=$(sed -n 's/.* H\([0-9]*\).*/\1/p' <<<"$header")
  c=$(sed -n 's/.* C\([0-9a-z]*\).*/\1/p' <<<"$header")
  case $c in 420jpeg|420mpeg2|420paldv|420|"") bpp=1 ;; 420p10|420p12) bpp=2 ;;
    *) echo "unsupported chroma C$c in $f" >&2; return 1 ;; esac
  fsize=$(( 6 + bpp * (w * h + 2 * ((w + 1) / 2) * ((h + 1) / 2)) ))
  hlen=$(( ${#header} + 1 ))
  size=$(stat -c %s "$f")
  if (( (size - hlen) % fsize != 0 )); then echo "$f: frame headers with parameters are not supported" >&2; return 1; fi
  echo "$(( (size - hlen) / fsize )) ${w}x${h}"
}

mkdir -p "$clips"
[ -d "$oracle/clips" ] || { echo "no oracle clips at $oracle/clips" >&2; exit 1; }
stems=()
for p in "${pairs[@]}"; do
  for side in ref dist; do
    make_long "$oracle/clips/$p.$side.y4m.xz" "$clips/$p.x$repeat.$side.y4m"
  done
  stems+=("$p.x$repeat")
done
# 1080p 10-bit: the 1080p pair converted to yuv420p10le by ffmpeg (the oracle has no 10-bit 1080p pair).
if command -v ffmpeg >/dev/null; then
  p10=${pairs[2]}.x$repeat.p10
  for side in ref dist; do
    if [ ! -s "$clips/$p10.$side.y4m" ]; then
      ffmpeg -nostdin -loglevel error -y -i "$clips/${pairs[2]}.x$repeat.$side.y4m" -pix_fmt yuv420p10le \
        -strict -1 "$clips/.part.$p10.$side.y4m"
      mv -f "$clips/.part.$p10.$side.y4m" "$clips/$p10.$side.y4m"
    fi
  done
  stems+=("$p10")
else
  log "no ffmpeg: the 1080p 10-bit clip is skipped"
fi

# ---- 3. timing -----------------------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-cpu.XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2] + v[NR/2+1]) / 2}'; }

run_ours() { # ref dist threads out.json
  # --backend cpu: the CPU path is what is timed, so no adapter is listed or probed
  "$bin" score --reference "$1" --distorted "$2" --threads "$3" --backend cpu --quiet --output "$4"
}
run_libvmaf() { # ref dist threads out.json [extra args]
  local r=$1 d=$2 t=$3 o=$4; shift 4
  "$libvmaf" -r "$r" -d "$d" --threads "$t" -q --model version=vmaf_v0.6.1 --json -o "$o" "$@" >/dev/null
}
timed() { # out-var cmd...
  local var=$1 t0 t1; shift
  t0=$(now); "$@"; t1=$(now)
  printf -v "$var" '%s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}')"
}
# Largest |a - b| over frames of the two logs' metrics.vmaf (both in libvmaf's JSON layout).
max_vmaf_diff() {
  jq -n --slurpfile a "$1" --slurpfile b "$2" '
    [$a[0].frames, $b[0].frames] | transpose
    | map(if .[0] == null or .[1] == null then error("frame count differs") else . end
          | (.[0].metrics.vmaf - .[1].metrics.vmaf) | if . < 0 then -. else . end) | max'
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "bench: runs=$runs threads=($threads_list) clips=$clips load=$load_start"

rows=()
diffs=()
worst_c=0
for stem in "${stems[@]}"; do
  ref=$clips/$stem.ref.y4m
  dist=$clips/$stem.dist.y4m
  info=$(y4m_frames "$ref")
  read -r frames res <<<"$info"
  case $stem in *.p10) res="$res 10-bit" ;; esac
  for t in $threads_list; do
    ours_walls=()
    ours_fps=()
    lib_walls=()
    for i in $(seq "$runs"); do
      timed w run_ours "$ref" "$dist" "$t" "$work/ours.json"
      ours_walls+=("$w")
      ours_fps+=("$(jq '.fps' "$work/ours.json")")
      got=$(jq '.frames | length' "$work/ours.json")
      [ "$got" = "$frames" ] || { echo "ours scored $got frames, expected $frames" >&2; exit 1; }
      log "  $res t=$t run $i: ours ${w}s"
      if [ -n "$libvmaf" ]; then
        timed w run_libvmaf "$ref" "$dist" "$t" "$work/libvmaf.json"
        lib_walls+=("$w")
        log "  $res t=$t run $i: libvmaf ${w}s"
      fi
    done
    ours_med=$(printf '%s\n' "${ours_walls[@]}" | median)
    ours_int=$(printf '%s\n' "${ours_fps[@]}" | median)
    ours_fps_w=$(awk -v n="$frames" -v s="$ours_med" 'BEGIN {printf "%.2f", n / s}')
    ours_int=$(awk -v f="$ours_int" 'BEGIN {printf "%.2f", f}')
    if [ -n "$libvmaf" ]; then
      lib_med=$(printf '%s\n' "${lib_walls[@]}" | median)
      lib_fps=$(awk -v n="$frames" -v s="$lib_med" 'BEGIN {printf "%.2f", n / s}')
      ratio=$(awk -v a="$ours_fps_w" -v b="$lib_fps" 'BEGIN {printf "%.2f", a / b}')
      rows+=("| $res | $t | $frames | $lib_fps ($lib_med s) | $ours_fps_w ($ours_med s) | $ours_int | **$ratio** |")
    else
      rows+=("| $res | $t | $frames | $ours_fps_w ($ours_med s) | $ours_int |")
    fi
  done
  # ---- 4. accuracy on this clip (from the last timed runs) ----
  if [ -n "$libvmaf" ]; then
    d_simd=$(max_vmaf_diff "$work/ours.json" "$work/libvmaf.json" | awk '{printf "%.2e", $1}')
    run_libvmaf "$ref" "$dist" 2 "$work/libvmaf_c.json" --cpumask 63
    d_c=$(max_vmaf_diff "$work/ours.json" "$work/libvmaf_c.json" | awk '{printf "%.2e", $1}')
    diffs+=("| $res | $frames | $d_c | $d_simd |")
    worst_c=$(awk -v a="$worst_c" -v b="$d_c" 'BEGIN {print (b > a) ? b : a}')
  fi
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "Load average (1/5/15 min): start $load_start, end $load_end; median of $runs runs; fps = frames / whole-command wall time."
echo "ours = $label: $bin"
[ -n "$libvmaf" ] && echo "libvmaf = $libvmaf ($("$libvmaf" --version 2>&1 | head -n1))"
echo
if [ -n "$libvmaf" ]; then
  echo "| resolution | threads | frames | libvmaf fps (median wall) | ours fps (median wall) | ours internal fps | ratio ours/libvmaf |"
  echo "|---|---|---|---|---|---|---|"
else
  echo "| resolution | threads | frames | ours fps (median wall) | ours internal fps |"
  echo "|---|---|---|---|---|"
fi
printf '%s\n' "${rows[@]}"
if [ -n "$libvmaf" ]; then
  echo
  echo "Per-frame vmaf, max |ours - libvmaf| (libvmaf JSON prints 6 decimals):"
  echo
  echo "| resolution | frames | vs libvmaf C path (--cpumask 63) | vs libvmaf default (SIMD) |"
  echo "|---|---|---|---|"
  printf '%s\n' "${diffs[@]}"
  echo
  if awk -v a="$worst_c" -v t="$tol" 'BEGIN {exit !(a <= t)}'; then
    echo "vmaf check: PASS (max diff vs libvmaf C path $worst_c <= $tol)"
  else
    echo "vmaf check: FAIL (max diff vs libvmaf C path $worst_c > $tol)"
    exit 1
  fi
fi
