#!/usr/bin/env bash
# Where one tap spends its CPU on one fio job: a fresh tap (replication on, streaming to `datamover ack-receiver`,
# or off: its gateway port refuses), its initial sync, --warmup seconds (default 5) of the job unmeasured (the JIT
# compiler; the tap's payload pool growing to its high-water mark takes longer), then 10 s measured with
#   - each thread's CPU time and minor page faults (/proc/<pid>/task), per request,
#   - the fdatasync calls of each thread (perf stat on the syscall tracepoint: the dirty bitmap's syncs are
#     those of the tap-io threads, which lead its group commits, and of tap-bitmap-sweeper),
#   - with --perf, a `perf record -g` of the tap (Java frames through -XX:+DumpPerfMapAtExit) for `perf report`.
#
#   bench/fio/tap-probe.sh [--replication on|off] [--perf] [--dir DIR] [--warmup SECONDS] [--tap-args "ARGS"]
#                          [-- FIO ARGS]
#
# FIO ARGS default to the sequential job of tap-vs-nbdkit.sh: --rw=write --bs=1M --iodepth=16.
# Needs fio (nbd engine), perf and python3. One job, one server: compare runs of the same machine state only.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
replication=on
record=0
dir=${TMPDIR:-/var/tmp}/datamover-probe
tap_args=""
warmup=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --replication) replication=$2; shift 2 ;;
    --perf) record=1; shift ;;
    --dir) dir=$2; shift 2 ;;
    --tap-args) tap_args=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--replication on|off] [--perf] [--dir DIR] [--warmup SECONDS] [--tap-args \"ARGS\"]" \
         "[-- FIO ARGS]" >&2; exit 2 ;;
  esac
done
fio_args=("$@")
[[ ${#fio_args[@]} -gt 0 ]] || fio_args=(--rw=write --bs=1M --iodepth=16)
for tool in fio perf python3; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 2; }
done

mkdir -p "$dir"
disk="$dir/disk.img"
[[ -f $disk ]] || { truncate -s 1G "$disk"; fio --name=fill --filename="$disk" --rw=write --bs=1M --size=1G --output=/dev/null; }
"$root/bin/datamover" --version >/dev/null # builds the command once, before anything is timed
export DATAMOVER_NO_BUILD=1
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT

receiver_port=$(free_port)
if [[ $replication == on ]]; then
  "$root/bin/datamover" ack-receiver --insecure-plaintext --listen "127.0.0.1:$receiver_port" >"$dir/receiver.log" 2>&1 &
  pids+=($!)
  wait_port "$receiver_port"
fi
tap_port=$(free_port)
rm -rf "$dir/tap-state"
# shellcheck disable=SC2086 # tap_args is a list of options
DATAMOVER_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer" \
  "$root/bin/datamover" tap --insecure-plaintext --export "disk=$disk" --nbd "127.0.0.1:$tap_port" \
  --gateway "127.0.0.1:$receiver_port" --state-dir "$dir/tap-state" --admin off $tap_args >"$dir/tap.log" 2>&1 &
tap=$!
pids+=($tap)
wait_port "$tap_port"
if [[ $replication == on ]]; then
  for _ in $(seq 1200); do grep -q "initial sync of .* complete" "$dir/tap.log" && break; sleep 0.1; done
fi
uri="nbd://127.0.0.1:$tap_port/disk"
fio --name=warmup --ioengine=nbd --uri="$uri" --size=1G --time_based --runtime="$warmup" "${fio_args[@]}" --output=/dev/null

threads() { for t in /proc/"$tap"/task/*; do echo "$(tr ' ' _ <"$t/comm") $(awk '{print $14 + $15, $10}' "$t/stat")"; done; }
threads >"$dir/threads.before"
perf stat -e syscalls:sys_enter_fdatasync --per-thread -p "$tap" -o "$dir/fdatasync.txt" -- sleep 10 &
stat_pid=$!
if [[ $record == 1 ]]; then
  perf record -F 499 -g -p "$tap" -o "$dir/perf.data" -- sleep 10 2>"$dir/perf.err" &
  record_pid=$!
fi
fio --name=run --ioengine=nbd --uri="$uri" --size=1G --time_based --runtime=10 "${fio_args[@]}" \
    --output-format=json >"$dir/fio.json"
wait "$stat_pid" || true
[[ $record == 1 ]] && { wait "$record_pid" || true; }
threads >"$dir/threads.after"
kill -TERM "$tap"; wait "$tap" 2>/dev/null || true # writes /tmp/perf-<pid>.map for perf report

python3 - "$dir" "$(getconf CLK_TCK)" "$replication" <<'PY'
import collections, json, re, sys
out, hz, replication = sys.argv[1], int(sys.argv[2]), sys.argv[3]
text = open(out + "/fio.json").read()
job = json.loads(text[text.index("{"):])["jobs"][0]
side = job["write"] if job["write"]["io_bytes"] else job["read"]
ios, mib = side["total_ios"], side["io_bytes"] / 2**20
def load(path):
    threads = collections.defaultdict(lambda: [0, 0])
    for line in open(path):
        name, ticks, faults = line.split()
        name = re.sub(r"(-\d+)+$", "", name)
        threads[name][0] += int(ticks)
        threads[name][1] += int(faults)
    return threads
before, after = load(out + "/threads.before"), load(out + "/threads.after")
mode = ("replication off (bitmap mode)" if replication == "off"
        else "fell to bitmap mode" if "BITMAP mode at seq" in open(out + "/tap.log").read() else "streaming throughout")
total = sum(after[n][0] - before[n][0] for n in after)
print(f"{side['bw_bytes'] / 1e6:,.0f} MB/s, {ios:,} requests, {mib:,.0f} MiB, {mode};"
      f" tap CPU {total / hz * 1e6 / ios:.1f} us per request")
for name in sorted(after, key=lambda n: before[n][0] - after[n][0])[:6]:
    ticks, faults = after[name][0] - before[name][0], after[name][1] - before[name][1]
    print(f"  {name:18s} {ticks / hz * 1e6 / ios:8.1f} us/request  {faults / ios:7.2f} minor faults/request")
syncs = collections.Counter()
for line in open(out + "/fdatasync.txt"):
    fields = line.split()
    if "sys_enter_fdatasync" in line and fields[1].replace(",", "").isdigit() and fields[1] != "0":
        syncs[re.sub(r"(-\d+)+$", "", fields[0])] += int(fields[1].replace(",", ""))
print(f"  fdatasync: {dict(syncs) or 'none'} ({sum(syncs.values()) / mib:.3f} per MiB)")
PY
echo "(logs, fio JSON and perf data in $dir)" >&2
