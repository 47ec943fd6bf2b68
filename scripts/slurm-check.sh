#!/usr/bin/env bash
# Proves docs/CLUSTER.md's Slurm recipe on a real single-node Slurm cluster started
# here: installs slurm-wlm and munge when missing (Debian, as root), writes a private
# slurm.conf, starts munged, slurmctld and slurmd, then
#   1. builds a 24-pair manifest from the sample clips the repo ships,
#   2. submits the doc's job array script, extracted from docs/CLUSTER.md as written,
#      as 4 shards,
#   3. scancels one task mid-run and resubmits that index alone (resume under the
#      scheduler: the pairs it had recorded are not scored again),
#   4. runs the doc's merge script as a dependent job,
#   5. compares the merged records with one single-machine `batch` of the manifest
#      (same ids, identical scores),
# and stops every daemon it started. Exits non-zero on any difference.
#
#   bash scripts/slurm-check.sh            # uses target/{release,debug}/tinyvmaf-gpu,
#                                          # building the debug binary when neither exists
#   TINYVMAF_BIN=/path/to/tinyvmaf-gpu bash scripts/slurm-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$(date +%s)

say() { printf 'slurm-check: %s\n' "$*" >&2; }
die() { say "FAILED: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it installs packages and starts slurmd)"

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq slurm-wlm munge >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq slurm-wlm munge >/dev/null; }
fi

bin=${TINYVMAF_BIN:-}
if [ -z "$bin" ]; then
  for b in target/release/tinyvmaf-gpu target/debug/tinyvmaf-gpu; do
    [ -x "$b" ] && { bin=$root/$b; break; }
  done
fi
if [ -z "$bin" ]; then
  say "building the debug binary (cargo build --locked)"
  cargo build --locked -q
  bin=$root/target/debug/tinyvmaf-gpu
fi
[ -x "$bin" ] || die "no tinyvmaf-gpu binary at $bin"
# The jobs find the binary on PATH, as the doc's scripts expect.
mkdir -p "${TMPDIR:-/tmp}"
work=$(mktemp -d "${TMPDIR:-/tmp}/slurm-check.XXXXXX")
mkdir -p "$work/bin" "$work/state" "$work/spool" "$work/data" "$work/logs"
ln -s "$bin" "$work/bin/tinyvmaf-gpu"
export PATH="$work/bin:$PATH"
# A private runtime directory, so that Mesa (probing for a GPU) does not complain.
mkdir -m 700 "$work/run"
export XDG_RUNTIME_DIR="$work/run"

# ---- daemons: munge, slurmctld, slurmd (no systemd here; foreground, our pids) ----
pids=()       # slurmctld, slurmd: our children
munge_pid=""  # runuser, whose child is munged (when we started it)
stop() {  # TERM, up to 5 s, then KILL; reaped with wait (they are our children)
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do stop "$pid"; done
  if [ -n "$munge_pid" ]; then
    # munged itself, then let runuser (its parent, ours) reap it and exit on its own:
    # a runuser killed first leaves munged a zombie nobody reaps.
    [ -f /run/munge/munged.pid ] && kill "$(cat /run/munge/munged.pid)" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$munge_pid" 2>/dev/null || break; sleep 0.1; done
    stop "$munge_pid"
  fi
  [ "$rc" = 0 ] || say "logs and data kept in $work"
  [ "$rc" != 0 ] || rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  # systemd's RuntimeDirectory never ran: make munged's socket directory ourselves.
  mkdir -p /run/munge && chown munge:munge /run/munge
  runuser -u munge -- /usr/sbin/munged --foreground >"$work/munged.log" 2>&1 &
  munge_pid=$!
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null || die "munged did not start"
fi

host=$(hostname -s)
node=$(slurmd -C | head -n 1)  # NodeName=<host> CPUs=… RealMemory=… (this machine's)
export SLURM_CONF=$work/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=tinyvmaf
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
KillWait=30
$node
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D >"$work/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D >"$work/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
  sinfo -h -o %T 2>/dev/null | grep -qx idle && break
  sleep 0.2
done
sinfo -h -o %T | grep -qx idle || die "the node never became idle: $(sinfo 2>&1 | tail -n 2)"
say "cluster up: $(sinfo -h -o '%P %D %T %c CPUs')"

# ---- data: 24 pairs, each a 240-frame clip (the sample's 12 frames, 20 times) ----
lengthen() {  # Y4M: the header, then the frames repeated 20 times
  local header
  header=$(head -n 1 "$1" | wc -c)
  { head -n 1 "$1"; for _ in $(seq 20); do tail -c +"$((header + 1))" "$1"; done; } >"$2"
}
lengthen tests/data/sample/cell_small.ref.y4m "$work/data/ref.y4m"
lengthen tests/data/sample/cell_small.dist.y4m "$work/data/dist.y4m"
manifest=$work/data/manifest.csv
{
  echo "id,reference,distorted,skip_reference,skip_distorted,frame_count"
  for i in $(seq 0 23); do
    case $((i % 3)) in
      0) r=ref.y4m d=dist.y4m ;;
      1) r=dist.y4m d=ref.y4m ;;
      2) r=ref.y4m d=ref.y4m ;;
    esac
    echo "pair$(printf %02d "$i"),$r,$d,$((i % 5)),$((i % 5)),$((120 + 4 * i))"
  done
} >"$manifest"

# ---- the doc's scripts, as written ----
extract() {  # the ```bash block after the line that names the file
  awk -v name="\`$1\`:" '
    $0 == name { found = 1; next }
    found && /^```bash$/ { inside = 1; next }
    inside && /^```$/ { exit }
    inside { print }
  ' docs/CLUSTER.md
}
extract vmaf-array.sbatch >"$work/vmaf-array.sbatch"
extract vmaf-merge.sbatch >"$work/vmaf-merge.sbatch"
[ -s "$work/vmaf-array.sbatch" ] && [ -s "$work/vmaf-merge.sbatch" ] || die "docs/CLUSTER.md: sbatch scripts not found"
grep -q 'SHARDS' "$work/vmaf-array.sbatch" || die "the array script does not take SHARDS"

# Site settings the doc leaves to the submitter: paths, shard count, this node's size.
export MANIFEST=$manifest OUT=$work/results ALL=$work/all.jsonl SHARDS=4
site=(--cpus-per-task=1 --mem=1G --chdir="$work")
cd "$work"
wait_gone() {  # job id, seconds
  for _ in $(seq "$(($2 * 5))"); do
    [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
    sleep 0.2
  done
  die "job $1 still queued or running after $2 s: $(squeue -j "$1")"
}
records() {  # whole records in a results file (0 when it does not exist yet)
  if [ -f "$1" ]; then grep -c '"id"' "$1" || true; else echo 0; fi
}

jid=$(sbatch --parsable --array=0-$((SHARDS - 1)) "${site[@]}" vmaf-array.sbatch)
say "submitted array $jid (shards 0-$((SHARDS - 1)))"

# Cancel task 1 once it has recorded a pair and before it has finished.
victim=1
vfile=$OUT/results-$victim.jsonl
for _ in $(seq 600); do
  [ "$(records "$vfile")" -ge 1 ] && break
  sleep 0.1
done
scancel "${jid}_$victim"
wait_gone "$jid" 300
kept=$(records "$vfile")
state=$(scontrol show job "${jid}_$victim" 2>/dev/null | grep -o 'JobState=[A-Z]*' | head -n 1 || true)
say "task $victim cancelled with $kept record(s) ($state)"

jid2=$(sbatch --parsable --array="$victim" "${site[@]}" vmaf-array.sbatch)
mid=$(sbatch --parsable --dependency=afterany:"$jid2" "${site[@]}" vmaf-merge.sbatch)
wait_gone "$jid2" 300
wait_gone "$mid" 120
after=$(records "$vfile")
log=$(ls "$work"/logs/vmaf-"$jid2"_"$victim".log)
say "task $victim resubmitted as $jid2: $after record(s) now; its log: $(grep -m 1 -i 'done\|skip' "$log" || true)"
[ "$kept" -ge 1 ] || die "task $victim was cancelled before it recorded any pair"
[ "$after" -gt "$kept" ] || die "task $victim had finished before it was cancelled ($kept records); nothing was resumed"
merge_state=$(scontrol show job "$mid" 2>/dev/null | grep -o 'ExitCode=[0-9:]*' | head -n 1 || true)
[ -s "$ALL" ] || die "the merge job wrote nothing ($merge_state): $(cat "$work"/logs/vmaf-merge-"$mid".log)"

# ---- the same manifest on one machine, and the comparison ----
"$bin" batch "$manifest" --output "$work/single.jsonl" --model vmaf_v0.6.1 --psnr --quiet
python3 - "$ALL" "$work/single.jsonl" "$OUT" "$victim" "$kept" <<'PY'
import json, sys, glob
merged_path, single_path, out, victim, kept = sys.argv[1:6]
def load(path):
    recs = [json.loads(l) for l in open(path) if l.strip()]
    return {r["id"]: r for r in recs}, len(recs)
merged, n_merged = load(merged_path)
single, n_single = load(single_path)
problems = []
if n_merged != len(merged):
    problems.append(f"merged file repeats ids ({n_merged} lines, {len(merged)} ids)")
if set(merged) != set(single):
    problems.append(f"ids differ: {sorted(set(merged) ^ set(single))}")
for i in sorted(set(merged) & set(single)):
    a, b = merged[i], single[i]
    for key in ("status", "frames", "models", "scores"):
        if a.get(key) != b.get(key):
            problems.append(f"{i}: {key} {a.get(key)!r} vs {b.get(key)!r}")
if any(r["status"] != "ok" for r in merged.values()):
    problems.append("error records in the merged file")
if len(merged) != 24:
    problems.append(f"{len(merged)} pairs merged, 24 expected")
shards = {p: sum(1 for l in open(p) if l.strip()) for p in sorted(glob.glob(f"{out}/results-*.jsonl"))}
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"{len(merged)} pairs merged from {len(shards)} shard files {list(shards.values())}, "
      f"identical to one machine's batch (status, frames, models, every pooled score)")
PY
took=$(($(date +%s) - started))
say "passed in ${took} s: 4-task array, task $victim cancelled after $kept record(s) and resumed to $after, merge job $merge_state"
