package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.protocol.CrashPoint;
import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A protected disk that grows, with the three daemons as {@code bin/datamover} processes and qemu-io as the guest:
 * the operator grows the image by 64 MiB and restarts the tap on it while both gateways run; the source gateway takes
 * the larger disk into the group, the target grows the replica (a target started armed to crash in the middle of that
 * growth, as kill -9 would, cuts it back at its restart and grows it again), writes past the old end are applied, and
 * the replica reaches the new size with the source's sha256, as thin as it. A disk that shrank is refused by the tap
 * with a clear message and nothing of the replica changes. The same growth while the tap runs, told by the operator
 * ({@code datamover resize}) or noticed by the tap itself, needs no restart and costs no resync.
 */
class GrowingDiskTest {
    private static final long MIB = 1L << 20;
    private static final long DISK = 64 * MIB;
    private static final long GROWN = DISK + 64 * MIB;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path base;

    @Test
    void aDiskGrownUnderReplicationGrowsItsReplicaThinAcrossACrashAndAShrunkDiskIsRefused() throws Exception {
        Tools.assumeInstalled("qemu-io");
        try (ReplicationSite site = new ReplicationSite(base, DISK, "8M").start()) {
            ConvergenceCheck.writeAndConverge(site, DEADLINE, "write -P 0x11 0 1M", "write -P 0x12 63M 1M");

            site.tap().close();
            site.killTarget();
            site.target().javaOptions("-D" + CrashPoint.POINT_PROPERTY + "=" + CrashPoint.Point.TARGET_REPLICA_GROWN);
            site.startTarget();
            resize(site.sourceDisk(), GROWN);
            site.startTap();
            assertThat(site.target().awaitExit(DEADLINE)).as("the target crashed while growing the replica\n%s",
                    site.logTails()).isEqualTo(CrashPoint.EXIT_STATUS);
            assertThat(Files.size(site.replica())).as("grown, its stamp not written").isEqualTo(GROWN);

            site.target().javaOptions("");
            site.startTarget();
            // Past the old end, and across it; qemu-io connects anew, so it sees the larger disk.
            ConvergenceCheck.writeAndConverge(site, DEADLINE, "write -P 0x21 64M 1M", "write -P 0x22 127M 1M",
                    "write -P 0x23 " + (DISK - MIB / 2) + " 1M");
            assertThat(site.target().log()).contains("a growth cut short by a crash");
            assertThat(Files.size(site.replica())).isEqualTo(GROWN);
            assertThat(Disks.sha256(site.replica())).isEqualTo(Disks.sha256(site.sourceDisk()));
            assertThat(Disks.allocatedBytes(site.replica())).as("the replica stays thin")
                    .isLessThanOrEqualTo(Disks.allocatedBytes(site.sourceDisk()));

            site.tap().close();
            String replicaBefore = Disks.sha256(site.replica());
            resize(site.sourceDisk(), DISK);
            assertThatThrownBy(site::startTap).hasMessageContaining("shrinking a protected disk is refused");
            assertThat(Files.size(site.replica())).isEqualTo(GROWN);
            assertThat(Disks.sha256(site.replica())).as("nothing of the replica changed").isEqualTo(replicaBefore);
        }
    }

    @Test
    void aDiskGrownUnderTheRunningTapIsServedAndReplicatedAtItsNewSizeWithoutARestartOrAResync() throws Exception {
        Tools.assumeInstalled("qemu-io");
        Tools.assumeInstalled("nbdinfo");
        List<String> cg = List.of("--cg", Integer.toString(ReplicationSite.CG));
        try (ReplicationSite site = new ReplicationSite(base, DISK, "8M").start()) {
            ConvergenceCheck.writeAndConverge(site, DEADLINE, "write -P 0x11 0 1M", "write -P 0x12 63M 1M");
            double resyncs = AdminMetrics.sum(site.tapAdmin(), "datamover_tap_resync_runs_total");

            resize(site.sourceDisk(), GROWN);
            assertThat(nbdSize(site)).as("not served before it is told").isEqualTo(DISK);
            ReplicationSite.CommandRun resized = site.tapAdminCommand("resize", cg);
            assertThat(resized.exitCode()).as(resized.output()).isZero();
            assertThat(resized.output()).contains("disk " + ReplicationSite.EXPORT + " grew from " + DISK + " to "
                    + GROWN + " bytes");
            assertThat(nbdSize(site)).as("a new NBD connection sees the new size").isEqualTo(GROWN);
            ConvergenceCheck.writeAndConverge(site, DEADLINE, "write -P 0x21 64M 1M", "write -P 0x22 127M 1M",
                    "write -P 0x23 " + (DISK - MIB / 2) + " 1M");
            assertThat(Files.size(site.replica())).isEqualTo(GROWN);
            assertThat(Disks.sha256(site.replica())).isEqualTo(Disks.sha256(site.sourceDisk()));

            // Not told: the tap's own watch (every 30 s) notices the larger image.
            long grownAgain = GROWN + 32 * MIB;
            resize(site.sourceDisk(), grownAgain);
            FaultAwaits.until(DEADLINE, "the tap serving the image it noticed grown",
                    () -> nbdSize(site) == grownAgain);
            // Right past the old end, next to the last write: the source keeps as few extents as before, so its
            // allocated bytes compare with the replica's without an extent-tree block on either side.
            ConvergenceCheck.writeAndConverge(site, DEADLINE, "write -P 0x31 " + GROWN + " 1M");
            assertThat(Files.size(site.replica())).isEqualTo(grownAgain);
            assertThat(Disks.sha256(site.replica())).isEqualTo(Disks.sha256(site.sourceDisk()));
            assertThat(Disks.allocatedBytes(site.replica())).as("the replica stays thin")
                    .isLessThanOrEqualTo(Disks.allocatedBytes(site.sourceDisk()));
            assertThat(AdminMetrics.sum(site.tapAdmin(), "datamover_tap_resync_runs_total")).as("no resync")
                    .isEqualTo(resyncs);
            assertThat(AdminMetrics.sum(site.tapAdmin(), "datamover_tap_disk_growths_total")).isEqualTo(2);

            resize(site.sourceDisk(), GROWN);
            ReplicationSite.CommandRun refused = site.tapAdminCommand("resize", cg);
            assertThat(refused.exitCode()).as(refused.output()).isOne();
            assertThat(refused.output()).contains("shrank from " + grownAgain + " to " + GROWN)
                    .contains("shrinking a protected disk is refused");
            assertThat(nbdSize(site)).as("nothing changed").isEqualTo(grownAgain);
            resize(site.sourceDisk(), grownAgain);
        }
    }

    private static long nbdSize(ReplicationSite site) throws Exception {
        Tools.Result info = Tools.run(DEADLINE, "nbdinfo", "--size", "nbd://127.0.0.1:" + site.nbdPort() + "/"
                + ReplicationSite.EXPORT);
        assertThat(info.exitCode()).as(info.output()).isZero();
        return Long.parseLong(info.output().strip());
    }

    /** What {@code truncate -s} (or {@code qemu-img resize} of a raw image) does: a hole past the old end. */
    private static void resize(Path image, long size) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(size);
        }
    }
}
