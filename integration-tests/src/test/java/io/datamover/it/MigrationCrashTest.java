package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.CrashPoint;
import io.datamover.tap.support.Tools;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash inside {@code datamover migrate}, the daemons as processes: the tap killed as it holds the writes
 * ({@code MIGRATE_WRITES_HELD}) leaves the pair fully before the hand-off (restarted, it takes writes, the replicas
 * stay SECONDARY); the tap killed once its move is durable ({@code MIGRATE_TAP_MOVED}) or the target gateway killed
 * once the replicas are PROMOTED ({@code FAILOVER_PROMOTED}) leaves the hand-off to finish: the restarted tap refuses
 * writes, and the command run again completes it, the replica equal to the source disk (SHA-256).
 */
class MigrationCrashTest {
    private static final long DISK = 32L << 20;

    @TempDir
    Path base;

    @ParameterizedTest
    @EnumSource(value = CrashPoint.Point.class, names = {"MIGRATE_WRITES_HELD", "MIGRATE_TAP_MOVED",
            "FAILOVER_PROMOTED"})
    void aCrashLeavesThePairBeforeTheHandOffOrLetsTheRerunFinishIt(CrashPoint.Point point) throws Exception {
        Tools.assumeInstalled("qemu-io");
        try (ReplicationSite site = new ReplicationSite(base, DISK, MigrationTest.WINDOW).start()) {
            ConvergenceCheck.writeAndConverge(site, FaultAwaits.DEADLINE, "write -P 0x11 0 1M");
            boolean atTarget = point == CrashPoint.Point.FAILOVER_PROMOTED;
            DaemonProcess armed = atTarget ? site.target() : site.tap();
            armed.close();
            armed.javaOptions(FailoverTest.armed(point));
            if (atTarget) {
                site.startTarget();
            } else {
                site.startTap();
            }
            ConvergenceCheck.writeAndConverge(site, FaultAwaits.DEADLINE, "write -P 0x22 2M 1M");

            ReplicationSite.CommandRun crashed = MigrationTest.migrate(site, "--max-pause", "30");
            assertThat(crashed.exitCode()).as(crashed.output()).isEqualTo(3);
            assertThat(armed.awaitExit(FaultAwaits.DEADLINE)).isEqualTo(CrashPoint.EXIT_STATUS);
            armed.javaOptions("");
            if (atTarget) {
                site.startTarget();
            } else {
                site.startTap();
            }

            if (point == CrashPoint.Point.MIGRATE_WRITES_HELD) {
                // Fully before the hand-off: the hold was in memory only; the original site writes on.
                assertThat(write(site, "write -P 0x33 4M 64k").exitCode()).isZero();
                assertThat(ConvergenceCheck.await(site, FaultAwaits.DEADLINE)).as(site.logTails()).isTrue();
                assertThat(AdminStatus.json(site.targetAdmin())).contains("\"role\":\"SECONDARY\"");
                assertThat(Disks.sha256(site.replica())).isEqualTo(Disks.sha256(site.sourceDisk()));
                return;
            }
            // Inside the hand-off: the original tap refuses writes; the rerun finishes it.
            assertThat(write(site, "write -P 0x33 4M 64k").output()).contains("Operation not permitted");
            ReplicationSite.CommandRun finished = MigrationTest.migrate(site, "--max-pause", "30");
            assertThat(finished.exitCode()).as(finished.output() + site.logTails()).isZero();
            assertThat(finished.output()).contains("PROMOTED at seq");
            assertThat(AdminStatus.json(site.targetAdmin())).contains("\"role\":\"PROMOTED\"");
            assertThat(Disks.sha256(site.replica())).isEqualTo(Disks.sha256(site.sourceDisk()));
        }
    }

    private static Tools.Result write(ReplicationSite site, String... commands) throws Exception {
        return Tools.run(Duration.ofSeconds(60), Tools.qemuIo("nbd://127.0.0.1:" + site.nbdPort() + "/"
                + ReplicationSite.EXPORT, commands));
    }
}
