package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.datamover.disk.SparseFile;
import io.datamover.tap.support.RawNbdClient;
import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discards and zero writes as long as NBD allows (up to 4 GiB - 1 in one request) go through the tap, to the
 * replica, as holes (issue 14, finding 7: mkfs.ext4's whole-disk discard of a 2 GiB disk, one TRIM of 2^31 bytes,
 * was refused as too big).
 */
class WholeDiskDiscardTest {
    private static final Duration CATCH_UP = Duration.ofSeconds(120);
    private static final Duration TOOL = Duration.ofSeconds(180);
    private static final long MIB = 1 << 20;
    private static final int CMD_TRIM = 4;
    private static final int CMD_WRITE_ZEROES = 6;
    private static final int CMD_FLAG_FUA = 1;

    @TempDir
    Path base;

    /**
     * The real mkfs.ext4 on a file that nbdfuse serves from the tap: mkfs discards the whole 2 GiB disk with one
     * TRIM of 2,147,483,648 bytes (nbdkit's log filter shows the same request), then writes its metadata. The disk
     * was full of old data first: the discard must remove it on the source and on the replica, which must then be
     * the same thin file system.
     */
    @Test
    void mkfsExt4ThroughTheTapDiscardsTheWholeDiskAndTheReplicaIsTheSameThinFileSystem() throws Exception {
        Tools.assumeInstalled("nbdfuse");
        Tools.assumeInstalled("mkfs.ext4");
        Tools.assumeInstalled("e2fsck");
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse");
        long size = 2L << 30;
        Path source = Disks.sparse(base.resolve("fs.img"), size);
        long old = Disks.scatter(source, size, (int) MIB, 128, 14);
        try (Pipeline pipeline = new Pipeline(base, Map.of("fs", source), 100)) {
            pipeline.awaitReplicaCaughtUp(CATCH_UP);
            Path mountpoint = Files.createDirectory(base.resolve("fuse"));
            Path device = mountpoint.resolve("disk");
            Tools.Running fuse = Tools.start("nbdfuse", device.toString(), pipeline.nbdUri("fs"));
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(device) || !fuse.process().isAlive());
            if (!fuse.process().isAlive()) {
                assumeTrue(false, "nbdfuse cannot mount here: " + fuse.await(TOOL).output());
            }
            try {
                Tools.Result mkfs = Tools.run(TOOL, "mkfs.ext4", "-F", "-E", "discard", device.toString());
                assertThat(mkfs.exitCode()).as(mkfs.output()).isZero();
                // Before the fix: "Discarding device blocks: ... failed - Invalid argument", and mkfs went on.
                assertThat(mkfs.output()).containsPattern("Discarding device blocks:[^\\n]*done").doesNotContain("failed");
            } finally {
                Tools.run(TOOL, "umount", mountpoint.toString());
                fuse.await(TOOL);
            }

            pipeline.awaitReplicaCaughtUp(CATCH_UP);
            Path replica = pipeline.replica("fs");
            Disks.assertSameContentReadingOnlyData(source, replica);
            long metadata = Disks.allocatedBytes(source);
            assertThat(metadata).as("the old data is discarded; mkfs wrote only its metadata").isLessThan(old / 2);
            assertThat(Disks.allocatedBytes(replica)).isLessThanOrEqualTo(metadata + metadata / 100);
            Tools.Result fsck = Tools.run(TOOL, "e2fsck", "-fn", replica.toString());
            assertThat(fsck.exitCode()).as("the replica is a clean ext4 file system:\n" + fsck.output()).isZero();
            assertThat(Pipeline.counter(pipeline.local.tapMetrics(), "datamover.tap.protocol.errors")).isZero();
        }
    }

    /**
     * TRIMs and WRITE_ZEROES of exactly 2 GiB and of 4 GiB - 4096 bytes, from a raw client, each on a range with
     * data in it and beside it: every one succeeds, the ranges become holes on the source and the replica, and the
     * data beside them is unchanged.
     */
    @Test
    void discardsAndZeroWritesUpTo4GiBBecomeHolesOnTheSourceAndTheReplica() throws Exception {
        long[][] requests = { // command, flags, length
            {CMD_TRIM, 0, 1L << 31},
            {CMD_WRITE_ZEROES, CMD_FLAG_FUA, 1L << 31},
            {CMD_TRIM, CMD_FLAG_FUA, (1L << 32) - 4096},
            {CMD_WRITE_ZEROES, 0, (1L << 32) - 4096},
        };
        // Ranges one after the other, each with 1 MiB of data before it; 1 MiB of data after the last.
        long[] offsets = new long[requests.length];
        long at = MIB;
        for (int i = 0; i < requests.length; i++) {
            offsets[i] = at;
            at += requests[i][2] + MIB;
        }
        long size = at;
        Path source = Disks.sparse(base.resolve("big.img"), size);
        Random random = new Random(7);
        byte[][] beside = new byte[requests.length + 1][(int) MIB];
        try (RandomAccessFile file = new RandomAccessFile(source.toFile(), "rw")) {
            for (int i = 0; i <= requests.length; i++) {
                random.nextBytes(beside[i]);
                file.seek(besideOffset(offsets, requests, i));
                file.write(beside[i]);
            }
            for (int i = 0; i < requests.length; i++) { // data at both ends and in the middle of each range
                long length = requests[i][2];
                for (long inside : new long[] {offsets[i], offsets[i] + length / 2, offsets[i] + length - MIB}) {
                    file.seek(inside);
                    file.write(beside[0]);
                }
            }
        }
        try (Pipeline pipeline = new Pipeline(base, Map.of("big", source), 100)) {
            pipeline.awaitReplicaCaughtUp(CATCH_UP);
            try (RawNbdClient client = new RawNbdClient(pipeline.local.tap().tap().port())) {
                client.negotiate("big");
                for (int i = 0; i < requests.length; i++) {
                    client.sendRequest((int) requests[i][1], (int) requests[i][0], i, offsets[i], requests[i][2]);
                    assertThat(client.readSimpleReply(i)).as("error for request %d (%d bytes)", i, requests[i][2])
                            .isZero();
                }
            }

            pipeline.awaitReplicaCaughtUp(CATCH_UP);
            Path replica = pipeline.replica("big");
            long besideBytes = (requests.length + 1) * MIB;
            for (Path disk : new Path[] {source, replica}) {
                assertThat(Disks.allocatedBytes(disk)).as("allocated bytes of " + disk.getFileName())
                        .isLessThanOrEqualTo(besideBytes + besideBytes / 10);
                try (SparseFile file = SparseFile.openReadOnly(disk)) {
                    for (int i = 0; i < requests.length; i++) {
                        assertThat(file.dataExtents(offsets[i], offsets[i] + requests[i][2])).as("data in range %d", i).isEmpty();
                    }
                }
                for (int i = 0; i <= requests.length; i++) {
                    assertThat(read(disk, besideOffset(offsets, requests, i))).as("data beside the ranges")
                            .isEqualTo(beside[i]);
                }
            }
        }
    }

    private static long besideOffset(long[] offsets, long[][] requests, int i) {
        return i == 0 ? 0 : offsets[i - 1] + requests[i - 1][2];
    }

    private static byte[] read(Path disk, long offset) throws IOException {
        byte[] bytes = new byte[(int) MIB];
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "r")) {
            file.seek(offset);
            file.readFully(bytes);
        }
        return bytes;
    }
}
