#!/usr/bin/env bash
# Where one tap spends its CPU on one fio job: a fresh tap (replication on, streaming to `datamover ack-receiver`,
# or off: its gateway port refuses), its initial sync, --warmup seconds (default 5) of the job unmeasured (the JIT
# compiler; the tap's payload pool growing to its high-water mark takes longer), then, with all of the disk in the
# page cache for a read job and none of it for a write job, 10 s measured with
#   - each thread's CPU time and minor page faults (/proc/<pid>/task), per request,
#   - the fdatasync calls of each thread (perf stat on the syscall tracepoint: the dirty bitmap's syncs are
#     those of the tap-io threads, which lead its group commits, and of tap-bitmap-sweeper),
#   - each thread's system calls and context switches per request (perf stat: a hop between threads costs a
#     wake-up, a switch and the woken thread's wait call, whatever the thread does),
#   - with --perf, a `perf record -g` of the tap (Java frames through -XX:+DumpPerfMapAtExit) for `perf report`.
#
#   bench/fio/tap-probe.sh [--replication on|off] [--perf] [--pinned] [--dir DIR] [--warmup SECONDS]
#                          [--tap-args "ARGS"] [--java-opts "JVM OPTIONS"] [-- FIO ARGS]
#
# --pinned places the processes as tap-vs-nbdkit.sh's pinned set-up does: the receiver on core 0, the tap and fio
# on core 1 (the tap's JVM sized for all the cores).
#
# FIO ARGS default to the sequential job of tap-vs-nbdkit.sh: --rw=write --bs=1M --iodepth=16.
# Needs fio (nbd engine), perf and python3. One job, one server: compare runs of the same machine state only.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
replication=on
record=0
near=()   # the tap and fio
remote=() # the receiver
dir=${TMPDIR:-/var/tmp}/datamover-probe
tap_args=""
java_opts="" # e.g. a JFR recording of lock contention: -XX:StartFlightRecording:filename=F,jdk.JavaMonitorEnter#threshold=0ms
warmup=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --replication) replication=$2; shift 2 ;;
    --perf) record=1; shift ;;
    --pinned) near=(taskset -c 1); remote=(taskset -c 0); shift ;;
    --dir) dir=$2; shift 2 ;;
    --tap-args) tap_args=$2; shift 2 ;;
    --java-opts) java_opts=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--replication on|off] [--perf] [--pinned] [--dir DIR] [--warmup SECONDS] [--tap-args \"ARGS\"] [--java-opts \"OPTS\"]" \
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
  "${remote[@]}" "$root/bin/datamover" ack-receiver --insecure-plaintext --listen "127.0.0.1:$receiver_port" >"$dir/receiver.log" 2>&1 &
  pids+=($!)
  wait_port "$receiver_port"
fi
tap_port=$(free_port)
rm -rf "$dir/tap-state"
# shellcheck disable=SC2086 # tap_args is a list of options
DATAMOVER_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer $java_opts \
  ${near[*]:+-XX:ActiveProcessorCount=$(nproc)}" "${near[@]}" "$root/bin/datamover" tap --insecure-plaintext --export "disk=$disk" --nbd "127.0.0.1:$tap_port" \
  --gateway "127.0.0.1:$receiver_port" --state-dir "$dir/tap-state" --admin off $tap_args >"$dir/tap.log" 2>&1 &
tap=$!
pids+=($tap)
wait_port "$tap_port"
if [[ $replication == on ]]; then
  for _ in $(seq 1200); do grep -q "initial sync of .* complete" "$dir/tap.log" && break; sleep 0.1; done
fi
uri="nbd://127.0.0.1:$tap_port/disk"
"${near[@]}" fio --name=warmup --ioengine=nbd --uri="$uri" --size=1G --time_based --runtime="$warmup" "${fio_args[@]}" --output=/dev/null

# The same page-cache state for every run (docs/benchmarks.md): a read job reads a cached disk, a write job writes
# an uncached one.
[[ " ${fio_args[*]}" == *" --rw="*read* ]] && cache=load || cache=drop
python3 "$root/bench/fio/page_cache.py" "$cache" "$disk"
threads() { for t in /proc/"$tap"/task/*; do echo "$(tr ' ' _ <"$t/comm") $(awk '{print $14 + $15, $10}' "$t/stat")"; done; }
threads >"$dir/threads.before"
perf stat -e syscalls:sys_enter_fdatasync,raw_syscalls:sys_enter,context-switches --per-thread -p "$tap" \
  -o "$dir/fdatasync.txt" -- sleep 10 &
stat_pid=$!
if [[ $record == 1 ]]; then
  perf record -F 499 -g -p "$tap" -o "$dir/perf.data" -- sleep 10 2>"$dir/perf.err" &
  record_pid=$!
fi
"${near[@]}" fio --name=run --ioengine=nbd --uri="$uri" --size=1G --time_based --runtime=10 "${fio_args[@]}" \
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
counts = collections.defaultdict(collections.Counter)  # event -> thread group -> count
for line in open(out + "/fdatasync.txt"):
    m = re.match(r"\s*(.+?)-\d+\s+([\d,]+)\s+(\S+)", line)
    if m:
        counts[m.group(3)][re.sub(r"(-\d+)+$", "", m.group(1)).replace(" ", "_")] += int(m.group(2).replace(",", ""))
calls, switches = counts["raw_syscalls:sys_enter"], counts["context-switches"]
for name in sorted(after, key=lambda n: before[n][0] - after[n][0])[:8]:
    ticks, faults = after[name][0] - before[name][0], after[name][1] - before[name][1]
    print(f"  {name:18s} {ticks / hz * 1e6 / ios:8.1f} us/request  {faults / ios:7.2f} minor faults/request"
          f"  {calls[name] / ios:6.2f} syscalls/request  {switches[name] / ios:6.2f} switches/request")
syncs = counts["syscalls:sys_enter_fdatasync"]
syncs = {name: n for name, n in syncs.items() if n}
print(f"  fdatasync: {syncs or 'none'} ({sum(syncs.values()) / mib:.3f} per MiB); all threads: "
      f"{sum(calls.values()) / ios:.2f} syscalls, {sum(switches.values()) / ios:.2f} switches per request")
PY
echo "(logs, fio JSON and perf data in $dir)" >&2
