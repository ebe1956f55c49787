package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.disk.compare.ComparisonReport;
import io.datamover.disk.compare.DiskComparison;
import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The end of a fault run, once the guest has stopped: the pair converges (the tap STREAMING, the target
 * UP_TO_DATE with the tap's last seq applied), and then the replica equals the source and holds every
 * acknowledged write, and so does the source disk.
 */
final class ConvergenceCheck {
    private ConvergenceCheck() {}

    /** Writes {@code commands} through the tap with qemu-io, then waits for the pair to converge. */
    static void writeAndConverge(ReplicationSite site, Duration deadline, String... commands) throws Exception {
        Tools.Result written = Tools.run(deadline, Tools.qemuIo("nbd://127.0.0.1:" + site.nbdPort() + "/"
                + ReplicationSite.EXPORT, commands));
        assertThat(written.exitCode()).as(written.output()).isZero();
        assertThat(await(site, deadline)).as("converged: tap %s, target %s\n%s", site.tapStatus(),
                site.targetStatus(), site.logTails()).isTrue();
    }

    /** True once converged; false at the deadline. */
    static boolean await(ReplicationSite site, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            AdminStatus tap = site.tapStatus();
            AdminStatus target = site.targetStatus();
            if (tap != null && target != null && tap.state().equals("STREAMING")
                    && target.state().equals("UP_TO_DATE") && target.appliedSeq() != null
                    && target.appliedSeq() == tap.lastSeq()) {
                return true;
            }
            Thread.sleep(100); // polling the admin ports with a deadline
        }
        return false;
    }

    /** What differs in the converged pair: nothing when all is well. */
    static List<String> divergences(ReplicationSite site, Path initial, List<WriteLog.Write> log) throws IOException {
        List<String> divergences = new ArrayList<>();
        ComparisonReport comparison = DiskComparison.compare(site.sourceDisk(), site.replica(),
                DiskComparison.DEFAULT_REGION_BYTES);
        if (!comparison.equal()) {
            divergences.add("the converged replica differs from the source in " + comparison.differences());
        }
        PrefixChecker.Result all = PrefixChecker.check(initial, site.replica(), log);
        if (!all.complete()) {
            divergences.add("the converged replica is not the image of every acknowledged write: " + all.describe());
        }
        PrefixChecker.Result source = PrefixChecker.check(initial, site.sourceDisk(), log);
        if (!source.complete()) {
            divergences.add("the source disk lost acknowledged writes: " + source.describe());
        }
        return divergences;
    }
}
