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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A protected disk that grows, with the three daemons as {@code bin/datamover} processes and qemu-io as the guest:
 * the operator grows the image by 64 MiB and restarts the tap on it while both gateways run; the source gateway takes
 * the larger disk into the group, the target grows the replica (a target started armed to crash in the middle of that
 * growth, as kill -9 would, cuts it back at its restart and grows it again), writes past the old end are applied, and
 * the replica reaches the new size with the source's sha256, as thin as it. A disk that shrank is refused by the tap
 * with a clear message and nothing of the replica changes.
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

    /** What {@code truncate -s} (or {@code qemu-img resize} of a raw image) does: a hole past the old end. */
    private static void resize(Path image, long size) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(size);
        }
    }
}
