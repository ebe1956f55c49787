package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.CrashPoint;
import io.datamover.tap.support.Tools;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash inside {@code datamover migrate}, the daemons as processes, on one pair in turn: the tap killed as it
 * holds the writes ({@code MIGRATE_WRITES_HELD}) leaves the pair fully before the hand-off (restarted, it takes
 * writes, the replicas stay SECONDARY); the tap killed once its move is durable ({@code MIGRATE_TAP_MOVED}) or the
 * target gateway killed once the replicas are PROMOTED ({@code FAILOVER_PROMOTED}) leaves the hand-off to finish:
 * the restarted tap refuses writes, and the command run again completes it, the replica equal to the source disk
 * (SHA-256).
 */
class MigrationCrashTest {
    private static final long DISK = 32L << 20;

    @TempDir
    Path base;

    @Test
    void aCrashLeavesThePairBeforeTheHandOffOrLetsTheRerunFinishIt() throws Exception {
        Tools.assumeInstalled("qemu-io");
        try (ReplicationSite site = new ReplicationSite(base, DISK, MigrationTest.WINDOW).start()) {
            ConvergenceCheck.writeAndConverge(site, FaultAwaits.DEADLINE, "write -P 0x11 0 1M");

            // The tap dies as it holds the writes: fully before the hand-off.
            restart(site.tap(), CrashPoint.Point.MIGRATE_WRITES_HELD, site.nbdPort());
            crashes(site, site.tap());
            restart(site.tap(), CrashPoint.Point.MIGRATE_TAP_MOVED, site.nbdPort());
            assertThat(write(site, "write -P 0x33 4M 64k").exitCode()).as("the original site writes on").isZero();
            assertThat(ConvergenceCheck.await(site, FaultAwaits.DEADLINE)).as(site.logTails()).isTrue();
            assertThat(AdminStatus.json(site.targetAdmin())).contains("\"role\":\"SECONDARY\"");
            assertThat(Disks.sha256(site.replica())).isEqualTo(Disks.sha256(site.sourceDisk()));

            // The tap dies once its move is durable: it refuses writes from then on, the rerun goes on to the promote.
            restart(site.target(), CrashPoint.Point.FAILOVER_PROMOTED, site.targetPort());
            ConvergenceCheck.writeAndConverge(site, FaultAwaits.DEADLINE, "write -P 0x22 2M 1M");
            crashes(site, site.tap());
            restart(site.tap(), null, site.nbdPort());
            assertThat(write(site, "write -P 0x44 8M 64k").output()).contains("Operation not permitted");
            assertThat(AdminStatus.json(site.targetAdmin())).contains("\"role\":\"SECONDARY\"");

            // The target gateway dies once the replicas are PROMOTED: the next rerun finishes the hand-off.
            crashes(site, site.target());
            restart(site.target(), null, site.targetPort());
            ReplicationSite.CommandRun finished = MigrationTest.migrate(site, "--max-pause", "30");
            assertThat(finished.exitCode()).as(finished.output() + site.logTails()).isZero();
            assertThat(finished.output()).contains("moved the group at seq").contains("PROMOTED at seq");
            assertThat(AdminStatus.json(site.targetAdmin())).contains("\"role\":\"PROMOTED\"");
            assertThat(Disks.sha256(site.replica())).isEqualTo(Disks.sha256(site.sourceDisk()));
        }
    }

    /** Stops {@code daemon} and starts it again, armed at {@code point} (none when null), listening on {@code port}. */
    private static void restart(DaemonProcess daemon, CrashPoint.Point point, int port) throws Exception {
        daemon.close();
        daemon.javaOptions(point == null ? "" : FailoverTest.armed(point));
        daemon.start(port);
    }

    /** {@code datamover migrate} stops with exit status 3 as {@code daemon} halts at its armed point. */
    private static void crashes(ReplicationSite site, DaemonProcess daemon) throws Exception {
        ReplicationSite.CommandRun crashed = MigrationTest.migrate(site, "--max-pause", "30");
        assertThat(crashed.exitCode()).as(crashed.output()).isEqualTo(3);
        assertThat(daemon.awaitExit(FaultAwaits.DEADLINE)).isEqualTo(CrashPoint.EXIT_STATUS);
    }

    private static Tools.Result write(ReplicationSite site, String... commands) throws Exception {
        return Tools.run(Duration.ofSeconds(60), Tools.qemuIo("nbd://127.0.0.1:" + site.nbdPort() + "/"
                + ReplicationSite.EXPORT, commands));
    }
}
