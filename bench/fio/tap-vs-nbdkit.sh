#!/usr/bin/env bash
# Side-by-side fio, in one run, on the same file:
#   - fio on the file itself (io_uring, buffered: the ceiling of the machine),
#   - nbdkit's file plugin (the reference server) and qemu-nbd, through fio's nbd engine, and
#   - the datamover tap with replication on: its sender connected to a receiver that acknowledges, and
#   - the tap with replication off (its gateway address refuses connections, so it serves in bitmap mode and
#     only marks dirty regions): what serving NBD costs, apart from what replicating costs.
# Each job runs against every server in turn before the next job starts, so all see the same machine
# state. Prints a markdown table with the ratios (tap / nbdkit, tap / qemu-nbd) and each server's CPU per
# request (the tap's includes its receiver's): less sensitive than throughput to what else the machine runs.
#
# The tap is a long-running JVM that this script starts afresh for every job (so every job starts with a fresh
# bitmap, STREAMING); before its measured run it gets --tap-warmup seconds of the same job, unmeasured, so the
# JIT compiler has compiled its write path (C2 took 40-50% of the tap's CPU in the first 5 s of a cold run).
# nbdkit and qemu-nbd are native and need none. --tap-warmup 0 measures the cold tap.
#
#   bench/fio/tap-vs-nbdkit.sh [--runtime SECONDS] [--size SIZE] [--dir DIR] [--tap-warmup SECONDS]
#
# Needs fio (with the nbd engine), nbdkit, qemu-nbd and python3 (Debian: fio nbdkit qemu-utils python3).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runtime=20
size=2G
dir=""
tap_warmup=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runtime) runtime=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --tap-warmup) tap_warmup=$2; shift 2 ;;
    *) echo "usage: $0 [--runtime SECONDS] [--size SIZE] [--dir DIR] [--tap-warmup SECONDS]" >&2; exit 2 ;;
  esac
done
for tool in fio nbdkit qemu-nbd python3; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is not installed (apt-get install $tool)" >&2; exit 2; }
done

work=${dir:-$(mktemp -d "${TMPDIR:-/var/tmp}/datamover-fio.XXXXXX")}
mkdir -p "$work"
disk="$work/disk.img"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # wait up to 60 s for a TCP listener on 127.0.0.1:$1
  for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "$0: nothing listens on port $1 after 60 s" >&2; return 1
}

truncate -s "$size" "$disk"
"$root/bin/datamover" --version >/dev/null # builds the command once, before anything is timed
export DATAMOVER_NO_BUILD=1                  # so the processes below never rebuild concurrently

nbdkit_port=$(free_port)
nbdkit --foreground --ipaddr 127.0.0.1 --port "$nbdkit_port" --threads 16 file "file=$disk" &
nbdkit_pid=$!
pids+=($!)

qemu_port=$(free_port)
qemu-nbd --format=raw --bind=127.0.0.1 --port="$qemu_port" --export-name=disk --shared=16 --persistent \
  --cache=writeback --aio=threads "$disk" &
qemu_pid=$!
pids+=($!)

wait_port "$nbdkit_port"
wait_port "$qemu_port"

# A fresh receiver and tap (fresh dirty bitmap) per job, so every job starts STREAMING; whether it
# stayed so is reported, since a gateway that cannot keep up sends the tap to bitmap mode.
# Plaintext on loopback: this measures the tap's own cost (bin/bench e2e measures TLS).
start_tap() { # job name
  receiver_port=$(free_port)
  "$root/bin/datamover" ack-receiver --insecure-plaintext --listen "127.0.0.1:$receiver_port" \
    >"$work/$1.receiver.log" 2>&1 &
  receiver_pid=$!
  wait_port "$receiver_port"
  tap_port=$(free_port)
  rm -rf "$work/tap-state"
  "$root/bin/datamover" tap --insecure-plaintext --export "disk=$disk" --nbd "127.0.0.1:$tap_port" \
    --gateway "127.0.0.1:$receiver_port" --state-dir "$work/tap-state" --admin off >"$work/$1.tap.log" 2>&1 &
  tap_pid=$!
  pids+=("$receiver_pid" "$tap_pid")
  wait_port "$tap_port"
  wait_streaming "$work/$1.tap.log"
}
# The disk is full and new to each fresh tap, so the tap first copies all of it to the receiver (its initial
# sync). fio starts once that is over: the jobs measure the guest's I/O with every write streamed, not the
# guest competing with a 2 GiB sync.
wait_streaming() { # tap log
  for _ in $(seq 1200); do grep -q "initial sync of .* complete" "$1" && return 0; sleep 0.1; done
  echo "$0: the tap's initial sync did not complete within 120 s (see $1)" >&2; return 1
}
start_unreplicated_tap() { # job name: no receiver listens on the gateway port, so the tap stays in bitmap mode
  receiver_port=$(free_port) # nothing will listen there
  tap_port=$(free_port)
  rm -rf "$work/tap-state"
  "$root/bin/datamover" tap --insecure-plaintext --export "disk=$disk" --nbd "127.0.0.1:$tap_port" \
    --gateway "127.0.0.1:$receiver_port" --state-dir "$work/tap-state" --admin off >"$work/$1.tap-off.log" 2>&1 &
  tap_pid=$!
  receiver_pid=$tap_pid
  pids+=("$tap_pid")
  wait_port "$tap_port"
}
warm_up_tap() { # job name, fio arguments...: unmeasured, so the JIT compiler has compiled the write path
  local name=$1; shift
  if [[ $tap_warmup -gt 0 ]]; then
    fio --name="$name-warmup" --ioengine=nbd --uri="nbd://127.0.0.1:$tap_port/disk" --size="$size" --time_based \
        --runtime="$tap_warmup" --numjobs=1 --output-format=json "$@" >"$work/$name.tap-warmup.json"
  fi
}
stop_tap() { # the tap first, so it drains its last acks from a live receiver
  kill -TERM "$tap_pid"; wait "$tap_pid" 2>/dev/null || true
  kill -TERM "$receiver_pid"; wait "$receiver_pid" 2>/dev/null || true
}

# name | fio arguments
jobs=(
  "seq-write-1M-qd16|--rw=write --bs=1M --iodepth=16"
  "rand-write-4k-qd32|--rw=randwrite --bs=4k --iodepth=32"
  "rand-read-4k-qd32|--rw=randread --bs=4k --iodepth=32"
)

cpu_ticks() { # pids...: user + system clock ticks, summed
  local total=0 p
  for p in "$@"; do total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$total"
}

thread_ticks() { # label=pid...: per thread, its process's label, its name and its CPU ticks
  local spec t
  for spec in "$@"; do
    for t in /proc/"${spec#*=}"/task/*; do
      echo "${spec%%=*} $(tr ' ' _ <"$t/comm") $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)"
    done
  done
}

run_tap_fio() { # name server processes (label=pid...) args...: run_fio, and the CPU of each thread of the processes
  local name=$1 server=$2 processes=$3; shift 3
  thread_ticks $processes >"$work/$name.$server.threads.before"
  run_fio "$name" "$server" "nbd://127.0.0.1:$tap_port/disk" "$(echo "$processes" | sed 's/[a-z]*=//g')" "$@"
  thread_ticks $processes >"$work/$name.$server.threads.after"
}

run_fio() { # name server uri pids args...: the CPU ticks the pids spent during the run go to $name.$server.cpu
  local name=$1 server=$2 uri=$3 measured=$4; shift 4
  local before
  before=$(cpu_ticks $measured)
  fio --name="$name" --ioengine=nbd --uri="$uri" --size="$size" --time_based --runtime="$runtime" \
      --ramp_time=2 --numjobs=1 --group_reporting --output-format=json "$@" >"$work/$name.$server.json"
  echo $(( $(cpu_ticks $measured) - before )) >"$work/$name.$server.cpu"
}

# Fill the disk once so reads read data, not holes.
fio --name=fill --ioengine=nbd --uri="nbd://127.0.0.1:$nbdkit_port/" --size="$size" --rw=write --bs=1M \
    --iodepth=16 --output-format=json >"$work/fill.json"

for job in "${jobs[@]}"; do
  name=${job%%|*}; args=${job#*|}
  echo "== $name: fio on the file" >&2
  fio --name="$name" --ioengine=io_uring --filename="$disk" --size="$size" --time_based --runtime="$runtime" \
      --ramp_time=2 --numjobs=1 --group_reporting --output-format=json $args >"$work/$name.file.json"
  echo "== $name: nbdkit file" >&2
  run_fio "$name" nbdkit "nbd://127.0.0.1:$nbdkit_port/" "$nbdkit_pid" $args
  echo "== $name: qemu-nbd" >&2
  run_fio "$name" qemu-nbd "nbd://127.0.0.1:$qemu_port/disk" "$qemu_pid" $args
  echo "== $name: datamover tap" >&2
  start_tap "$name"
  warm_up_tap "$name" $args
  run_tap_fio "$name" tap "tap=$tap_pid receiver=$receiver_pid" $args
  stop_tap
  echo "== $name: datamover tap, replication off" >&2
  start_unreplicated_tap "$name"
  warm_up_tap "$name" $args
  run_tap_fio "$name" tap-off "tap=$tap_pid" $args
  kill -TERM "$tap_pid"; wait "$tap_pid" 2>/dev/null || true
done

python3 - "$work" "$runtime" "$(getconf CLK_TCK)" "${jobs[@]%%|*}" <<'PY'
import json, os, re, sys
work, runtime, hz, names = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
def cpu_us_per_request(name, server):
    # CPU over the ramp and the run, requests at the measured rate over both: microseconds per request.
    ticks = int(open(os.path.join(work, f"{name}.{server}.cpu")).read())
    return ticks / hz * 1e6 / (figures(os.path.join(work, f"{name}.{server}.json"))[1] * (runtime + 2))
def figures(path):
    text = open(path).read()  # fio's nbd engine prints a line before the JSON
    job = json.loads(text[text.index("{"):])["jobs"][0]
    side = job["write"] if job["write"]["io_bytes"] > 0 else job["read"]
    return side["bw_bytes"] / 1e6, side["iops"], side["clat_ns"]["percentile"].get("99.000000", 0) / 1e3
def replication(name):
    for line in open(os.path.join(work, f"{name}.tap.log")):
        if "BITMAP mode at seq" in line:
            return "fell to bitmap mode at seq " + line.split("BITMAP mode at seq ")[1].split(" ")[0] + \
                " (" + line.split("(")[1].split(")")[0] + ")"
    return "streaming throughout"
servers = [("file", "fio on the file"), ("nbdkit", "nbdkit file"), ("qemu-nbd", "qemu-nbd"), ("tap", "tap"),
           ("tap-off", "tap, replication off")]
print("| job | " + " | ".join(f"{label} MB/s (IOPS)" for _, label in servers)
      + " | tap / nbdkit | tap, replication off / nbdkit | tap / qemu-nbd | p99 us nbdkit, tap"
      + " | CPU us/request nbdkit, qemu-nbd, tap+receiver, tap with replication off | tap replication |")
print("|---|" + "---:|" * (len(servers) + 5) + "---|")
for n in names:
    f = {key: figures(os.path.join(work, f"{n}.{key}.json")) for key, _ in servers}
    cells = " | ".join(f"{f[key][0]:,.0f} ({f[key][1]:,.0f})" for key, _ in servers)
    cpu = ", ".join(f"{cpu_us_per_request(n, key):.0f}" for key in ("nbdkit", "qemu-nbd", "tap", "tap-off"))
    print(f"| {n} | {cells} | **{f['tap'][1] / f['nbdkit'][1]:.2f}** | {f['tap-off'][1] / f['nbdkit'][1]:.2f}"
          f" | {f['tap'][1] / f['qemu-nbd'][1]:.2f} | {f['nbdkit'][2]:,.0f}, {f['tap'][2]:,.0f} | {cpu}"
          f" | {replication(n)} |")

def thread_split(name, server):
    # CPU per request by thread group: where the tap (and its receiver) spend it.
    ticks = {}
    for when in ("before", "after"):
        for line in open(os.path.join(work, f"{name}.{server}.threads.{when}")):
            process, thread, t = line.split()
            thread = re.sub(r"(-\d+)+$", "", thread)
            group = ("JIT compiler" if thread.startswith(("C1_", "C2_"))
                     else "receiver" if process == "receiver" else thread)
            ticks[group] = ticks.get(group, 0) + (int(t) if when == "after" else -int(t))
    requests = figures(os.path.join(work, f"{name}.{server}.json"))[1] * (runtime + 2)
    top = sorted(((t / hz * 1e6 / requests, g) for g, t in ticks.items() if t > 0), reverse=True)
    return ", ".join(f"{g} {us:.0f}" if us >= 20 else f"{g} {us:.1f}" for us, g in top[:6] if us >= 0.05)
print()
print("| job | tap + receiver, us of CPU per request by thread | tap with replication off, by thread |")
print("|---|---|---|")
for n in names:
    print(f"| {n} | {thread_split(n, 'tap')} | {thread_split(n, 'tap-off')} |")
PY
echo "(fio JSON and logs in $work)" >&2
