"""The tables of bench/fio/tap-vs-nbdkit.sh for one set-up, from the files it left in its directory.

    python3 tap_vs_nbdkit_report.py DIR SETUP RUNTIME CLOCK_TICKS_PER_SECOND JOB...

Per throughput job and server: NAME.SERVER.json (fio), NAME.SERVER.cpu.before/after ("label ticks" per process),
and for the taps NAME.SERVER.threads.before/after ("label thread ticks"), NAME.SERVER.syncs.before/after (the tap's
bitmap syncs counter) and NAME.SERVER.log (the tap's log). Per latency job: qd1-*.SERVER.json, and the taps'
syncs. CPU and syncs cover fio's 2 s ramp and the run, so they are divided by the requests (or MiB) at the measured
rate over both.
"""
import json
import os
import re
import sys

MIB = 1024 * 1024
THROUGHPUT_SERVERS = [("file", "fio on the file"), ("nbdkit", "nbdkit file"), ("qemu-nbd", "qemu-nbd"),
                      ("tap", "tap"), ("tap-gw", "tap + gateways"), ("tap-off", "tap, replication off")]
LATENCY_SERVERS = [("nbdkit", "nbdkit file"), ("qemu-nbd", "qemu-nbd"), ("tap", "tap"),
                   ("tap-gw", "tap + gateways"), ("tap-off", "tap, replication off")]
REPLICATING = [("tap", "tap (receiver)"), ("tap-gw", "tap + gateways")]
LATENCY_JOBS = [("qd1-write-4k-hot", "4 KiB write, QD1, regions already dirty (second pass over 8 MiB)"),
                ("qd1-write-4k-cold", "4 KiB write, QD1, first write into a clean region"),
                ("qd1-flush", "FLUSH after a 4 KiB write, QD1 (fio fsync=1)")]


class Run:
    def __init__(self, directory, runtime, hz):
        self.dir, self.runtime, self.hz = directory, runtime, hz

    def path(self, *parts):
        return os.path.join(self.dir, ".".join(parts))

    def fio(self, name, server):
        text = open(self.path(name, server, "json")).read()  # fio's nbd engine prints a line before the JSON
        return json.loads(text[text.index("{"):])["jobs"][0]

    def side(self, name, server):
        job = self.fio(name, server)
        return job["write"] if job["write"]["io_bytes"] > 0 else job["read"]

    def rate(self, name, server):
        """MB/s (10^6), IOPS, MiB/s."""
        side = self.side(name, server)
        return side["bw_bytes"] / 1e6, side["iops"], side["bw_bytes"] / MIB

    def p99_us(self, name, server):
        return self.side(name, server)["clat_ns"]["percentile"].get("99.000000", 0) / 1e3

    def latency_us(self, name, server):
        """p50 and p99 in microseconds: of FLUSH for the flush job, else of the writes' completion."""
        job = self.fio(name, server)
        lat = job["sync"]["lat_ns"] if name == "qd1-flush" else job["write"]["clat_ns"]
        pct = lat.get("percentile", {})
        return pct.get("50.000000", 0) / 1e3, pct.get("99.000000", 0) / 1e3, \
            job["sync"]["total_ios"] if name == "qd1-flush" else job["write"]["total_ios"]

    def delta(self, name, server, kind):
        """after - before of a "label value" (or bare value) file pair, per label."""
        totals = {}
        for when, sign in (("before", -1), ("after", 1)):
            for line in open(self.path(name, server, kind, when)):
                fields = line.split()
                label = " ".join(fields[:-1]) or "value"
                totals[label] = totals.get(label, 0) + sign * int(fields[-1])
        return totals

    def requests(self, name, server):
        return self.rate(name, server)[1] * (self.runtime + 2)

    def cpu_us_per_request(self, name, server, labels=None):
        ticks = self.delta(name, server, "cpu")
        used = sum(t for label, t in ticks.items() if labels is None or label in labels)
        return used / self.hz * 1e6 / self.requests(name, server)

    def syncs_per_mib(self, name, server):
        mib = self.rate(name, server)[2] * (self.runtime + 2)
        return self.delta(name, server, "syncs")["value"] / mib

    def syncs_per_request(self, name, server):
        return self.delta(name, server, "syncs")["value"] / max(1, self.latency_us(name, server)[2])

    def replication(self, name, server):
        for line in open(self.path(name, server, "log")):
            if "BITMAP mode at seq" in line:
                return "fell to bitmap mode at seq " + line.split("BITMAP mode at seq ")[1].split(" ")[0] + \
                    " (" + line.split("(")[1].split(")")[0] + ")"
        return "streaming throughout"

    def thread_split(self, name, server):
        """CPU per request by thread group: where the tap (and its receiver or gateways) spend it."""
        ticks = {}
        for when, sign in (("before", -1), ("after", 1)):
            for line in open(self.path(name, server, "threads", when)):
                process, thread, t = line.split()
                thread = re.sub(r"(-\d*)+$", "", thread)
                group = (process if process != "tap" else
                         "JIT compiler" if thread.startswith(("C1_", "C2_")) else thread)
                ticks[group] = ticks.get(group, 0) + sign * int(t)
        requests = self.requests(name, server)
        top = sorted(((t / self.hz * 1e6 / requests, g) for g, t in ticks.items() if t > 0), reverse=True)
        return ", ".join(f"{g} {us:.0f}" if us >= 20 else f"{g} {us:.1f}" for us, g in top[:7] if us >= 0.05)


def table(header, rows, text_columns=0):
    """A markdown table: the first column and the last text_columns left-aligned, the figures right-aligned."""
    print("| " + " | ".join(header) + " |")
    print("|---|" + "---:|" * (len(header) - 1 - text_columns) + "---|" * text_columns)
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


def throughput(run, names):
    header = ["job"] + [f"{label} MB/s (IOPS)" for _, label in THROUGHPUT_SERVERS] + \
        ["tap / nbdkit", "tap + gateways / nbdkit", "tap, replication off / nbdkit", "tap / qemu-nbd",
         "p99 us nbdkit, tap, tap + gateways"]
    rows = []
    for n in names:
        r = {key: run.rate(n, key) for key, _ in THROUGHPUT_SERVERS}
        iops = {key: r[key][1] for key in r}
        rows.append([n] + [f"{r[key][0]:,.0f} ({r[key][1]:,.0f})" for key, _ in THROUGHPUT_SERVERS] +
                    [f"**{iops['tap'] / iops['nbdkit']:.2f}**", f"**{iops['tap-gw'] / iops['nbdkit']:.2f}**",
                     f"{iops['tap-off'] / iops['nbdkit']:.2f}", f"{iops['tap'] / iops['qemu-nbd']:.2f}",
                     ", ".join(f"{run.p99_us(n, key):,.0f}" for key in ("nbdkit", "tap", "tap-gw"))])
    table(header, rows)


def cost(run, names):
    header = ["job", "CPU us/request nbdkit, qemu-nbd", "tap: tap process, + receiver",
              "tap + gateways: tap process, + gateways", "tap, replication off",
              "bitmap syncs per MiB: tap, tap + gateways, tap off", "tap replication", "tap + gateways replication"]
    rows = []
    for n in names:
        rows.append([n, f"{run.cpu_us_per_request(n, 'nbdkit'):.0f}, {run.cpu_us_per_request(n, 'qemu-nbd'):.0f}",
                     f"{run.cpu_us_per_request(n, 'tap', {'tap'}):.0f}, {run.cpu_us_per_request(n, 'tap'):.0f}",
                     f"{run.cpu_us_per_request(n, 'tap-gw', {'tap'}):.0f}, {run.cpu_us_per_request(n, 'tap-gw'):.0f}",
                     f"{run.cpu_us_per_request(n, 'tap-off'):.0f}",
                     ", ".join(f"{run.syncs_per_mib(n, key):.2f}" for key in ("tap", "tap-gw", "tap-off")),
                     run.replication(n, "tap"), run.replication(n, "tap-gw")])
    table(header, rows, text_columns=2)


def threads(run, names):
    table(["job", "tap + receiver, us of CPU per request by thread", "tap + gateways, by thread (gateways whole)",
           "tap with replication off, by thread"],
          [[n, run.thread_split(n, "tap"), run.thread_split(n, "tap-gw"), run.thread_split(n, "tap-off")]
           for n in names], text_columns=3)


def latency(run):
    header = ["job"] + [f"{label} p50 / p99 us" for _, label in LATENCY_SERVERS] + \
        ["tap / nbdkit p50", "tap + gateways / nbdkit p50", "bitmap syncs per request: tap, tap + gateways, tap off"]
    rows = []
    for name, label in LATENCY_JOBS:
        lat = {key: run.latency_us(name, key) for key, _ in LATENCY_SERVERS}
        rows.append([f"{name}: {label}"] +
                    [f"{lat[key][0]:,.0f} / {lat[key][1]:,.0f}" for key, _ in LATENCY_SERVERS] +
                    [f"**{lat['tap'][0] / lat['nbdkit'][0]:.2f}**", f"**{lat['tap-gw'][0] / lat['nbdkit'][0]:.2f}**",
                     ", ".join(f"{run.syncs_per_request(name, key):.2f}" for key in ("tap", "tap-gw", "tap-off"))])
    table(header, rows)


def goals(run):
    """Issue 16's goals: (what, value of a server, limit, whether higher is better)."""
    def ratio(job):
        return lambda key: run.rate(job, key)[1] / run.rate(job, "nbdkit")[1]

    def cpu(job):
        return lambda key: run.cpu_us_per_request(job, key, {"tap"}) / run.cpu_us_per_request(job, "nbdkit")

    def hot_p50(key):
        return run.latency_us("qd1-write-4k-hot", key)[0] / run.latency_us("qd1-write-4k-hot", "nbdkit")[0]
    checks = [("seq-write-1M-qd16 throughput / nbdkit", ratio("seq-write-1M-qd16"), 0.8, True),
              ("rand-write-4k-qd32 throughput / nbdkit", ratio("rand-write-4k-qd32"), 0.9, True),
              ("rand-read-4k-qd32 throughput / nbdkit", ratio("rand-read-4k-qd32"), 1.0, True),
              ("tap process CPU per MiB of seq-write-1M-qd16 / nbdkit's", cpu("seq-write-1M-qd16"), 1.5, False),
              ("tap process CPU per rand-write-4k-qd32 write / nbdkit's", cpu("rand-write-4k-qd32"), 1.3, False),
              ("QD1 4 KiB write p50 into hot regions / nbdkit's", hot_p50, 1.5, False)]
    rows = []
    for what, value, limit, higher in checks:
        cells = []
        for key, _ in REPLICATING:
            v = value(key)
            met = v >= limit if higher else v <= limit
            cells.append(f"{v:.2f}x: {'met' if met else '**not met**'}")
        rows.append([what, f"{'at least' if higher else 'at most'} {limit}x"] + cells)
    table(["goal (issue 16)", "goal"] + [label for _, label in REPLICATING], rows)


def main():
    directory, setup, runtime, hz, names = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
    run = Run(directory, runtime, hz)
    where = ("the receiver or the gateways on core 0; fio and the server under test on core 1" if setup == "pinned"
             else "every process on every core")
    print(f"### Set-up: {setup} ({where})\n")
    throughput(run, names)
    cost(run, names)
    threads(run, names)
    latency(run)
    if setup != "pinned":
        print("The goals are for the pinned set-up; the unpinned figures for comparison:\n")
    goals(run)


if __name__ == "__main__":
    main()
