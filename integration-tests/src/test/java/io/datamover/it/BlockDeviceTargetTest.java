package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.datamover.disk.SparseFile;
import io.datamover.tap.support.Tools;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A target gateway keeping its replica on a block device ({@code --replica-map 1/vm=/dev/loopN}, a loop device over
 * a sparse file; {@code losetup} needs root, else the test aborts saying so): writes through the tap reach the device,
 * also after a kill -9 of the target; the stamp stays in the replica set's directory, whose image name links to the
 * device.
 */
class BlockDeviceTargetTest {
    private static final Duration DEADLINE = FaultAwaits.DEADLINE;
    private static final long DISK = 64L << 20;

    @TempDir
    Path base;

    @Test
    void theReplicaOnALoopDeviceConvergesAndSurvivesAKillMinus9OfTheTarget() throws Exception {
        Tools.assumeInstalled("qemu-io");
        Path backing = Disks.sparse(base.resolve("device.backing"), DISK + (8L << 20));
        Tools.Result attached = Tools.run(DEADLINE, "losetup", "-f", "--show", backing.toString());
        assumeTrue(attached.exitCode() == 0, "losetup is unavailable here (it needs root and loop devices): "
                + attached.output());
        Path device = Path.of(attached.output().trim());
        try (ReplicationSite site = new ReplicationSite(base, DISK, "8M")) {
            site.target().extraArgs("--replica-map", ReplicationSite.CG + "/" + ReplicationSite.EXPORT + "=" + device);
            site.start();
            writeAndConverge(site, "write -P 0x11 0 4M", "write -z 1M 1M", "discard 2M 1M",
                    "write -P 0x22 " + (DISK - 65536) + " 64k");
            assertTheDeviceHoldsTheSource(site, device);

            site.killTarget();
            site.startTarget();
            writeAndConverge(site, "write -P 0x33 16M 1M", "discard 0 64k");
            assertTheDeviceHoldsTheSource(site, device);
            assertThat(Files.readSymbolicLink(site.replica())).isEqualTo(device);
        } finally {
            Tools.run(DEADLINE, "losetup", "-d", device.toString());
        }
    }

    private static void assertTheDeviceHoldsTheSource(ReplicationSite site, Path device) throws Exception {
        assertThat(sha256(device, DISK)).isEqualTo(Disks.sha256(site.sourceDisk()));
    }

    /** SHA-256 of the first {@code length} bytes of {@code path}. */
    private static String sha256(Path path, long length) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        try (SparseFile f = SparseFile.openReadOnly(path)) {
            for (long at = 0; at < length; at += buffer.capacity()) {
                buffer.clear();
                f.readFully(buffer, at);
                digest.update(buffer.flip());
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void writeAndConverge(ReplicationSite site, String... commands) throws Exception {
        ConvergenceCheck.writeAndConverge(site, DEADLINE, commands);
    }
}
