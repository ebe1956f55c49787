#!/usr/bin/env bash
# Side-by-side fio, in one run, on the same file:
#   - fio on the file itself (io_uring, buffered: the ceiling of the machine),
#   - nbdkit's file plugin (the reference server) and qemu-nbd, through fio's nbd engine, and
#   - the datamover tap with replication on: its sender connected to a receiver that acknowledges,
#   - the tap with replication on through the real gateways: `datamover source-gateway` (Chronicle journal, one
#     fdatasync per group commit) shipping to `datamover target-gateway` (spool, apply to a replica), the whole
#     system the guest sees, and
#   - the tap with replication off (its gateway address refuses connections, so it serves in bitmap mode and
#     only marks dirty regions): what serving NBD costs, apart from what replicating costs.
# Each job runs against every server in turn before the next job starts, so all see the same machine
# state, and each measured write job starts with none of the disk in the page cache (fsync, then posix_fadvise
# DONTNEED): a 4 KiB write into a range the page cache holds in large folios (after reads or 1 MiB writes)
# costs the kernel three to four times the CPU of one into an uncached range, for any server, so a server must not
# inherit the folios of the job before it. The read job starts with all of the disk cached (read whole first), so
# it measures the servers, not the virtual disk's latency of the moment. Prints markdown tables: throughput with the ratios (tap / nbdkit, ...), each server's CPU per request
# (less sensitive than throughput to what else the machine runs) and the tap's dirty-bitmap syncs per MiB, the
# tap's CPU by thread, the latency at queue depth 1 (4 KiB writes into hot and into cold regions, FLUSH), and
# issue 16's goals as met / not met.
#
# Two set-ups (--setup, default both, each printed as its own tables):
#   unpinned  every process may run on every core;
#   pinned    the receiver (or both gateways) on core 0 with taskset, fio and the server under test (nbdkit,
#             qemu-nbd, the tap with or without replication) on core 1, alike for every server: a stand-in for a
#             source gateway on another host. Pinned JVMs get -XX:ActiveProcessorCount=<cores> so their
#             ergonomics (GC, thread pools) stay those of the unpinned run; only where they run changes.
#
# The tap is a long-running JVM that this script starts afresh for every job, with a fresh dirty bitmap and
# --initial-sync skip (the replica is asserted equal, so only the sync's markers are sent: no job competes with a
# 2 GiB copy, and the new bitmap is clean but for region 0). A region written is then dirty until its write is
# acknowledged and it stayed idle for a whole --dirty-retention (10 s), two sweeps. Before its measured run the tap
# gets --tap-warmup seconds of the same job, unmeasured, so the JIT compiler has compiled its write path (C2 took
# 40-50% of the tap's CPU in the first 5 s of a cold run; nbdkit and qemu-nbd are native and need none;
# --tap-warmup 0 measures the cold tap); then, with replication on, idle until the tap's dirty regions are all
# clean again (its datamover_tap_bitmap_dirty_regions gauges read 0 on its admin port; at most --settle seconds,
# default 60, else a warning and the job runs anyway), so the measured run pays the bitmap syncs a guest pays in
# steady state (with replication off nothing is acknowledged: a region stays dirty from its first write on).
#
# Latency at queue depth 1, per server, on an area at the end of the disk: 4 KiB random writes over 8 MiB run
# twice, the second pass reported (regions already dirty: hot); a 4 KiB write then FLUSH (fio fsync=1, which the
# nbd engine sends as NBD_CMD_FLUSH) over the same 8 MiB; and 4 KiB writes one per 64 KiB region (the tap's region
# size) over 128 MiB that no job of this tap wrote before, so each is the first write into a clean region: cold.
# p50 and p99 of the completion latency (of FLUSH for the flush job) from fio's JSON.
#
#   bench/fio/tap-vs-nbdkit.sh [--runtime SECONDS] [--size SIZE] [--dir DIR] [--tap-warmup SECONDS]
#                              [--settle SECONDS] [--setup unpinned|pinned|both]
#   short check that it works (figures meaningless): --runtime 3 --size 512M --tap-warmup 1 --settle 0
#
# Needs fio (with the nbd engine), nbdkit, qemu-nbd, python3 and taskset (Debian: fio nbdkit qemu-utils python3
# util-linux). Plaintext on loopback: this measures the tap's own cost (bin/bench e2e measures TLS).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
usage="usage: $0 [--runtime SECONDS] [--size SIZE] [--dir DIR] [--tap-warmup SECONDS] [--settle SECONDS]"
usage+=" [--setup unpinned|pinned|both]"
runtime=20
size=2G
dir=""
tap_warmup=5
settle=60
setup=both
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runtime) runtime=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --tap-warmup) tap_warmup=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --setup) setup=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
case "$setup" in
  unpinned|pinned) setups=("$setup") ;;
  both) setups=(unpinned pinned) ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
for tool in fio nbdkit qemu-nbd python3 taskset; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is not installed (apt-get install $tool)" >&2; exit 2; }
done
cores=$(nproc)
if [[ " ${setups[*]} " == *" pinned "* && $cores -lt 2 ]]; then
  echo "$0: the pinned set-up needs two cores, this machine has $cores" >&2; exit 2
fi
size_bytes=$(numfmt --from=iec "$size")
mib=$((1024 * 1024))
# The latency area, at the end of the disk: 8 MiB of hot regions, then 128 MiB of cold ones.
region=$((64 * 1024))      # the tap's default --region-size
hot_bytes=$((8 * mib))
cold_bytes=$((128 * mib))
if (( size_bytes < 2 * (hot_bytes + cold_bytes) )); then
  echo "$0: --size must be at least 272M (the latency jobs use its last 136 MiB)" >&2; exit 2
fi
cold_offset=$((size_bytes / mib * mib - cold_bytes))
hot_offset=$((cold_offset - hot_bytes))

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

# --- Placement: set by use_setup, used by every process started (or re-pinned) afterwards.
near=()   # fio and the server under test
remote=() # the receiver or the gateways
use_setup() { # unpinned | pinned
  out="$work/$1"
  mkdir -p "$out"
  if [[ $1 == pinned ]]; then
    near=(taskset -c 1)
    remote=(taskset -c 0)
    export DATAMOVER_JAVA_OPTS="-XX:ActiveProcessorCount=$cores"
    taskset -a -cp 1 "$nbdkit_pid" >/dev/null
    taskset -a -cp 1 "$qemu_pid" >/dev/null
  else
    near=()
    remote=()
    unset DATAMOVER_JAVA_OPTS
    taskset -a -cp "0-$((cores - 1))" "$nbdkit_pid" >/dev/null
    taskset -a -cp "0-$((cores - 1))" "$qemu_pid" >/dev/null
  fi
}

# --- The tap in its three forms. Each start sets tap_pid, tap_admin and processes (label=pid ..., whose CPU
# counts for the server); stop_tap stops them all, the tap first, so it drains its last acks from a live peer.
start_tap_process() { # log, gateway port
  tap_port=$(free_port)
  tap_admin=$(free_port)
  rm -rf "$work/tap-state"
  "${near[@]}" "$root/bin/datamover" tap --insecure-plaintext --export "disk=$disk" --nbd "127.0.0.1:$tap_port" \
    --gateway "127.0.0.1:$2" --state-dir "$work/tap-state" --admin "127.0.0.1:$tap_admin" --initial-sync skip \
    >"$1" 2>&1 &
  tap_pid=$!
  pids+=("$tap_pid")
  wait_port "$tap_port"
}
start_tap() { # log: replication on, to the stand-in receiver
  local port
  port=$(free_port)
  "${remote[@]}" "$root/bin/datamover" ack-receiver --insecure-plaintext --listen "127.0.0.1:$port" \
    >"${1%.log}.receiver.log" 2>&1 &
  local receiver=$!
  pids+=("$receiver")
  wait_port "$port"
  start_tap_process "$1" "$port"
  processes="tap=$tap_pid receiver=$receiver"
  stopped_after_tap=("$receiver")
  wait_streaming "$1"
}
start_tap_with_gateways() { # log: replication on, through a fresh source and target gateway
  local source_port target_port state="$work/gateways"
  source_port=$(free_port)
  target_port=$(free_port)
  rm -rf "$state"
  mkdir -p "$state"
  "${remote[@]}" "$root/bin/datamover" target-gateway --insecure-plaintext --listen "127.0.0.1:$target_port" \
    --data-dir "$state/target-data" --replica-dir "$state/replicas" --admin off >"${1%.log}.target.log" 2>&1 &
  local target=$!
  "${remote[@]}" "$root/bin/datamover" source-gateway --insecure-plaintext --listen "127.0.0.1:$source_port" \
    --target "127.0.0.1:$target_port" --data-dir "$state/source-data" --admin off >"${1%.log}.source.log" 2>&1 &
  local source=$!
  pids+=("$target" "$source")
  wait_port "$target_port"
  wait_port "$source_port"
  start_tap_process "$1" "$source_port"
  processes="tap=$tap_pid source-gateway=$source target-gateway=$target"
  stopped_after_tap=("$source" "$target")
  wait_streaming "$1"
}
start_unreplicated_tap() { # log: no one listens on the gateway port, so the tap stays in bitmap mode
  start_tap_process "$1" "$(free_port)"
  processes="tap=$tap_pid"
  stopped_after_tap=()
}
# The initial sync (markers only, --initial-sync skip) is over once the gateway acknowledged them; a gateway slower
# to answer than the tap's --connect-wait (a loaded machine) makes it a resync of region 0, over the same way.
wait_streaming() { # tap log
  for _ in $(seq 1200); do
    grep -Eq "initial sync of .* complete|resync of the dirty regions complete" "$1" && return 0; sleep 0.1
  done
  echo "$0: the tap's initial sync did not complete within 120 s (see $1)" >&2; return 1
}
stop_tap() {
  local p
  for p in "$tap_pid" "${stopped_after_tap[@]}"; do kill -TERM "$p"; wait "$p" 2>/dev/null || true; done
}
bitmap_syncs() { # the tap's datamover_tap_bitmap_syncs_total, from its admin port
  python3 - "$tap_admin" <<'PY'
import sys, urllib.request
text = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=10).read().decode()
print(int(sum(float(l.split()[-1]) for l in text.splitlines() if l.startswith("datamover_tap_bitmap_syncs_total"))))
PY
}

# --- Measuring.
cpu_ticks() { # label=pid...: "label ticks" per process, user + system clock ticks
  local spec
  for spec in "$@"; do echo "${spec%%=*} $(awk '{print $14 + $15}' "/proc/${spec#*=}/stat")"; done
}
thread_ticks() { # label=pid...: per thread, its process's label, its name and its CPU ticks
  local spec t
  for spec in "$@"; do
    for t in /proc/"${spec#*=}"/task/*; do
      echo "${spec%%=*} $(tr ' ' _ <"$t/comm") $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)"
    done
  done
}
fio_nbd() { # output, uri, fio arguments...: one fio run through the nbd engine, placed with the server
  local output=$1 uri=$2; shift 2
  "${near[@]}" fio --ioengine=nbd --uri="$uri" --numjobs=1 --group_reporting --output-format=json "$@" >"$output"
}
prepare_cache() { # fio arguments...: every server starts a job in the same page-cache state (see docs/benchmarks.md):
  # a write job with none of the disk cached, a read job with all of it (it measures the server, not the disk)
  [[ " $*" == *" --rw="*read* ]] && python3 "$root/bench/fio/page_cache.py" load "$disk" ||
    python3 "$root/bench/fio/page_cache.py" drop "$disk"
}
run_fio() { # name server uri processes(label=pid ...) args...: CPU ticks of the processes over the run to .cpu
  local name=$1 server=$2 uri=$3 measured=$4; shift 4
  prepare_cache "$@"
  cpu_ticks $measured >"$out/$name.$server.cpu.before"
  fio_nbd "$out/$name.$server.json" "$uri" --name="$name" --size="$size" --time_based --runtime="$runtime" \
    --ramp_time=2 "$@"
  cpu_ticks $measured >"$out/$name.$server.cpu.after"
}
run_tap_fio() { # name server args...: run_fio on the running tap, with its threads' CPU and its bitmap syncs
  local name=$1 server=$2; shift 2
  # Read outside the CPU figures' span: the tap's admin thread answering counts for neither.
  bitmap_syncs >"$out/$name.$server.syncs.before"
  thread_ticks $processes >"$out/$name.$server.threads.before"
  run_fio "$name" "$server" "nbd://127.0.0.1:$tap_port/disk" "$processes" "$@"
  thread_ticks $processes >"$out/$name.$server.threads.after"
  bitmap_syncs >"$out/$name.$server.syncs.after"
}
warm_up_tap() { # name, fio arguments...: unmeasured, so the JIT compiler has compiled the write path
  local name=$1; shift
  if [[ $tap_warmup -gt 0 ]]; then
    fio_nbd "$out/$name.warmup.json" "nbd://127.0.0.1:$tap_port/disk" --name="$name-warmup" --size="$size" \
      --time_based --runtime="$tap_warmup" "$@"
  fi
}
settle_bitmap() { # until the warm-up's regions are clean (acknowledged, then idle two sweeps), as in steady state
  [[ $settle -gt 0 ]] || return 0
  python3 - "$tap_admin" "$settle" <<'PY'
import sys, time, urllib.request
admin, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
start, dirty = time.monotonic(), None
while time.monotonic() < deadline:
    text = urllib.request.urlopen(f"http://127.0.0.1:{admin}/metrics", timeout=10).read().decode()
    dirty = sum(float(l.split()[-1]) for l in text.splitlines() if l.startswith("datamover_tap_bitmap_dirty_regions"))
    if dirty == 0:
        print(f"   settled: no dirty region after {time.monotonic() - start:.1f} s", file=sys.stderr)
        sys.exit(0)
    time.sleep(0.5)
print(f"   warning: {dirty:.0f} regions still dirty after {sys.argv[2]} s of --settle; measuring anyway",
      file=sys.stderr)
PY
}

# name | fio arguments
jobs=(
  "seq-write-1M-qd16|--rw=write --bs=1M --iodepth=16"
  "rand-write-4k-qd32|--rw=randwrite --bs=4k --iodepth=32"
  "rand-read-4k-qd32|--rw=randread --bs=4k --iodepth=32"
)
throughput_jobs() {
  local job name args
  for job in "${jobs[@]}"; do
    name=${job%%|*}; args=${job#*|}
    echo "== $1: $name: fio on the file" >&2
    prepare_cache $args
    "${near[@]}" fio --name="$name" --ioengine=io_uring --filename="$disk" --size="$size" --time_based \
      --runtime="$runtime" --ramp_time=2 --numjobs=1 --group_reporting --output-format=json $args \
      >"$out/$name.file.json"
    echo "== $1: $name: nbdkit file" >&2
    run_fio "$name" nbdkit "nbd://127.0.0.1:$nbdkit_port/" "nbdkit=$nbdkit_pid" $args
    echo "== $1: $name: qemu-nbd" >&2
    run_fio "$name" qemu-nbd "nbd://127.0.0.1:$qemu_port/disk" "qemu-nbd=$qemu_pid" $args
    echo "== $1: $name: datamover tap" >&2
    start_tap "$out/$name.tap.log"
    warm_up_tap "$name.tap" $args
    settle_bitmap
    run_tap_fio "$name" tap $args
    stop_tap
    echo "== $1: $name: datamover tap + gateways" >&2
    start_tap_with_gateways "$out/$name.tap-gw.log"
    warm_up_tap "$name.tap-gw" $args
    settle_bitmap
    run_tap_fio "$name" tap-gw $args
    stop_tap
    echo "== $1: $name: datamover tap, replication off" >&2
    start_unreplicated_tap "$out/$name.tap-off.log"
    warm_up_tap "$name.tap-off" $args
    run_tap_fio "$name" tap-off $args
    stop_tap
  done
}

# --- Latency at queue depth 1.
qd1_write=(--rw=randwrite --bs=4k --iodepth=1)
latency_jobs() { # server uri [tap]: the hot, flush and cold jobs against a running server
  local server=$1 uri=$2 tap=${3:-}
  prepare_cache "${qd1_write[@]}"
  local hot=(--offset="$hot_offset" --size="$hot_bytes" --time_based --runtime="$runtime")
  fio_nbd "$out/qd1-write-4k-hot.$server.pass1.json" "$uri" --name=hot-pass1 "${qd1_write[@]}" "${hot[@]}"
  measure_latency qd1-write-4k-hot "$server" "$uri" "$tap" --name=hot "${qd1_write[@]}" "${hot[@]}"
  measure_latency qd1-flush "$server" "$uri" "$tap" --name=flush "${qd1_write[@]}" --fsync=1 "${hot[@]}"
  measure_latency qd1-write-4k-cold "$server" "$uri" "$tap" --name=cold --rw="write:$(((region - 4096) / 1024))k" \
    --bs=4k --iodepth=1 --offset="$cold_offset" --size="$cold_bytes"
}
measure_latency() { # name server uri tap(or empty) args...: one fio run, with the tap's bitmap syncs around it
  local name=$1 server=$2 uri=$3 tap=$4; shift 4
  [[ -n $tap ]] && bitmap_syncs >"$out/$name.$server.syncs.before"
  fio_nbd "$out/$name.$server.json" "$uri" "$@"
  [[ -n $tap ]] && bitmap_syncs >"$out/$name.$server.syncs.after"
  return 0
}
latency_of_tap() { # server start-function
  echo "== $setup_name: latency at QD1: datamover $1" >&2
  "$2" "$out/qd1.$1.log"
  if [[ $tap_warmup -gt 0 ]]; then
    fio_nbd "$out/qd1.$1.warmup.json" "nbd://127.0.0.1:$tap_port/disk" --name=qd1-warmup "${qd1_write[@]}" \
      --offset="$hot_offset" --size="$hot_bytes" --time_based --runtime="$tap_warmup"
  fi
  latency_jobs "$1" "nbd://127.0.0.1:$tap_port/disk" tap
  stop_tap
}
latency() {
  echo "== $setup_name: latency at QD1: nbdkit file" >&2
  latency_jobs nbdkit "nbd://127.0.0.1:$nbdkit_port/"
  echo "== $setup_name: latency at QD1: qemu-nbd" >&2
  latency_jobs qemu-nbd "nbd://127.0.0.1:$qemu_port/disk"
  latency_of_tap tap start_tap
  latency_of_tap tap-gw start_tap_with_gateways
  latency_of_tap tap-off start_unreplicated_tap
}

# Fill the disk once so reads read data, not holes.
fio --name=fill --ioengine=nbd --uri="nbd://127.0.0.1:$nbdkit_port/" --size="$size" --rw=write --bs=1M \
    --iodepth=16 --output-format=json >"$work/fill.json"

for setup_name in "${setups[@]}"; do
  use_setup "$setup_name"
  throughput_jobs "$setup_name"
  latency
done

for setup_name in "${setups[@]}"; do
  python3 "$root/bench/fio/tap_vs_nbdkit_report.py" "$work/$setup_name" "$setup_name" "$runtime" \
    "$(getconf CLK_TCK)" "${jobs[@]%%|*}"
done
echo "(fio JSON and logs in $work)" >&2
