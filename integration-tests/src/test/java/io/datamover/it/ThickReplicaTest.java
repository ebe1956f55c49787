package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.tap.support.Tools;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A target gateway run with {@code --provisioning thick} (issue 20): the replica is allocated at its full size from
 * the start and stays so through zero writes and discards, and after a kill -9 and restart of the target gateway,
 * while the source stays thin. Real {@code bin/datamover} processes, qemu-io over NBD.
 */
class ThickReplicaTest {
    private static final Duration DEADLINE = FaultAwaits.DEADLINE;
    private static final long DISK = 64L << 20;
    /** Slack for ext4 extent-tree blocks, which st_blocks counts. */
    private static final long FS_METADATA_SLACK = 1L << 20;

    @TempDir
    Path base;

    @Test
    void aThickReplicaStaysAllocatedThroughZerosDiscardsAndAKillMinus9OfTheTarget() throws Exception {
        Tools.assumeInstalled("qemu-io");
        try (ReplicationSite site = new ReplicationSite(base, DISK, "8M")) {
            site.target().extraArgs("--provisioning", "thick");
            site.start();
            writeAndConverge(site, "write -P 0x11 0 4M", "write -z 1M 1M", "discard 2M 1M", "write -z -u 8M 2M",
                    "write -P 0x22 " + (DISK - 65536) + " 64k");
            assertThickAndEqual(site);

            site.killTarget();
            site.startTarget();
            writeAndConverge(site, "discard 0 4M", "write -P 0x33 16M 64k", "write -z 32M 8M");
            assertThickAndEqual(site);
        }
    }

    private static void assertThickAndEqual(ReplicationSite site) throws Exception {
        assertThat(Disks.sha256(site.replica())).isEqualTo(Disks.sha256(site.sourceDisk()));
        assertThat(Disks.allocatedBytes(site.replica())).as("the thick replica's allocated bytes")
                .isBetween(DISK, DISK + FS_METADATA_SLACK);
        assertThat(Disks.allocatedBytes(site.sourceDisk())).as("the source stays thin").isLessThan(DISK / 4);
    }

    private static void writeAndConverge(ReplicationSite site, String... commands) throws Exception {
        ConvergenceCheck.writeAndConverge(site, DEADLINE, commands);
    }
}
