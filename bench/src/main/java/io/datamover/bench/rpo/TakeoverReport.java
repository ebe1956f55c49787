package io.datamover.bench.rpo;

import static io.datamover.bench.rpo.GuestPhaseTable.fmt;
import static io.datamover.bench.rpo.GuestPhaseTable.passFail;

import io.datamover.bench.Sizes;
import io.datamover.cli.VerifyReportText;

/**
 * {@link TakeoverBench.Figures} as markdown, with issue 19's goal as PASS or FAIL: from the leader's kill -9 to the
 * first batch the new leader had applied, under {@link #GOAL_SECONDS} on the 2-core machine at default settings.
 */
final class TakeoverReport {
    static final double GOAL_SECONDS = 10;

    private TakeoverReport() {}

    static String markdown(MachineFacts machine, TakeoverOptions o, TakeoverBench.Figures f) {
        PhaseResult guest = f.guest();
        return machine.markdown(o.dir()) + "\n| parameter | value |\n|---|---|\n"
                + "| site | two source gateways (" + o.transport().label() + ", --coordination zookeeper on a ZooKeeper"
                + " server in the bench's JVM, --zookeeper-session-timeout " + fmt("%.1f", o.sessionTimeoutSeconds())
                + " s), one target gateway, a tap given both gateways; each a bin/datamover JVM |\n"
                + "| guest | fio nbd engine, randwrite, bs 64 KiB, iodepth 4, 50% compressible, --rate "
                + GuestPhaseTable.mb(o.guestRate()) + " MB/s for " + o.seconds() + " s on a " + Sizes.human(o.diskBytes())
                + " sparse disk; SIGKILL to the leading source gateway " + o.killAfterSeconds() + " s in |\n\n"
                + "| from the kill -9 until | seconds |\n|---|---|\n"
                + "| the standby leads the group (datamover_coordination_leading) | "
                + fmt("%.2f", f.standbyLeadsSeconds()) + " |\n"
                + "| the target took the new leader's history (its log) | " + fmt("%.2f", f.targetTookOverSeconds())
                + " |\n"
                + "| **the target applied the new leader's first batch** (its applier's bytes grew) | **"
                + fmt("%.2f", f.firstAppliedSeconds()) + "** |\n\n"
                + "| guest's run | value |\n|---|---|\n"
                + "| fio wrote | " + GuestPhaseTable.mb(guest.fioBytesPerSecond()) + " MB/s, write latency mean / p99 "
                + fmt("%.2f / %.2f ms", guest.guestLatency().meanNanos() / 1e6, guest.guestLatency().p99Nanos() / 1e6)
                + " |\n"
                + "| tap's worst mode | " + guest.worstTapMode() + " |\n"
                + "| end-to-end RPO p50 / p99 / **max** s | " + GuestPhaseTable.rpo(guest.endToEndRpo()) + " |\n"
                + "| drain after fio stopped | " + (guest.drained() ? fmt("%.2f s", guest.drainSeconds())
                        : "did not drain") + " |\n"
                + "| replica equals source | " + f.replica().map(c -> c.equal() ? "yes"
                        : "**NO**: " + VerifyReportText.verdict(c).replace("|", "\\|")).orElse("not compared") + " |\n\n"
                + fmt("Takeover, kill -9 to the first batch applied by the new leader, < %.0f s: %s (%.2f s); RPO peak"
                        + " %.2f s%n", GOAL_SECONDS, passFail(f.firstAppliedSeconds() < GOAL_SECONDS),
                        f.firstAppliedSeconds(), guest.endToEndRpo().max());
    }
}
