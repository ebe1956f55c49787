package io.datamover.applier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.disk.SparseFile;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.RecordKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Replicas on block devices mapped by configuration: real loop devices over sparse files ({@code losetup}, which
 * needs root; without it the tests abort saying so). The stamp stays in the replica set's directory, the image's
 * name there links to the device.
 */
class BlockDeviceReplicaTest {
    private static final int MIB = 1024 * 1024;
    private static final DiskInfo SYSTEM = new DiskInfo(1, "system", 8 * MIB, 4096);
    private static final DiskInfo DATA = new DiskInfo(2, "data", 4 * MIB, 4096);

    @TempDir
    Path dir;

    private final List<Path> loopDevices = new ArrayList<>();
    private final List<BlockWrite> toRelease = new ArrayList<>();
    private ReplicaSet set;

    @AfterEach
    void closeAndDetach() throws Exception {
        toRelease.forEach(BlockWrite::release);
        if (set != null) {
            set.close();
        }
        for (Path device : loopDevices) {
            run("losetup", "-d", device.toString());
        }
    }

    /** A loop device over a new sparse file of {@code size} bytes. */
    private Path loopDevice(String name, long size) throws Exception {
        Path backing = dir.resolve(name + ".backing");
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(size);
        }
        String[] out = new String[1];
        int exit;
        try {
            exit = run(out, "losetup", "-f", "--show", backing.toString());
        } catch (IOException e) {
            exit = -1;
            out[0] = e.getMessage();
        }
        Assumptions.assumeTrue(exit == 0, "losetup is unavailable here (it needs root and loop devices): " + out[0]);
        Path device = Path.of(out[0].trim());
        loopDevices.add(device);
        return device;
    }

    private ReplicaSet open(Provisioning provisioning, Map<String, Path> devices) throws IOException {
        return open(List.of(SYSTEM, DATA), provisioning, devices);
    }

    private ReplicaSet open(List<DiskInfo> disks, Provisioning provisioning, Map<String, Path> devices)
            throws IOException {
        if (set != null) {
            set.close();
        }
        set = ReplicaSet.open(dir.resolve("cg-3"), new ReplicaSetConfig("pair-a", 3, disks, provisioning, devices));
        return set;
    }

    private BlockWrite keep(BlockWrite e) {
        toRelease.add(e);
        return e;
    }

    @ParameterizedTest
    @EnumSource(Provisioning.class)
    void aReplicaOnALoopDeviceGetsTheDisksBytesAndReopensWithItsStampBeside(Provisioning provisioning)
            throws Exception {
        Path device = loopDevice("system", 10 * MIB); // larger than the disk: the rest is left alone
        writeMarker(device, 9 * MIB);
        Applier applier = new Applier(open(provisioning, Map.of("system", device)), new SimpleMeterRegistry());
        byte[] random = new byte[3 * MIB];
        new Random(5).nextBytes(random);
        List<BlockWrite> writes = List.of(
                keep(BlockWrite.data(1, 1, 0, Unpooled.wrappedBuffer(random))),
                keep(BlockWrite.range(2, 1, 100, 256 * 1024, RecordKind.ZERO)), // unaligned edges
                keep(BlockWrite.range(3, 1, MIB + 100, 300_000, RecordKind.TRIM)),
                keep(BlockWrite.data(4, 1, 2 * MIB, Unpooled.wrappedBuffer(new byte[64 * 1024]))), // zero blocks
                keep(BlockWrite.range(5, 1, 2 * MIB + 128 * 1024, 4 * MIB, RecordKind.TRIM)),
                keep(BlockWrite.data(6, 1, SYSTEM.sizeBytes() - 4096, Unpooled.wrappedBuffer(pattern(4096)))),
                keep(BlockWrite.data(7, 2, 0, Unpooled.wrappedBuffer(pattern(8192)))));
        ReferenceReplica expected = new ReferenceReplica(Math.toIntExact(SYSTEM.sizeBytes()));
        writes.stream().filter(w -> w.disk() == 1).forEach(expected::apply);

        applier.apply(1, 7, writes);

        Path image = dir.resolve("cg-3").resolve("system.img");
        assertThat(Files.readSymbolicLink(image)).isEqualTo(device);
        assertThat(Files.exists(ReplicaMetadataFile.path(dir.resolve("cg-3")))).as("the stamp, beside").isTrue();
        assertThat(TestImages.sha256(read(device, 0, SYSTEM.sizeBytes()))).isEqualTo(TestImages.sha256(expected.bytes));
        assertThat(read(device, 9 * MIB, 8)).as("past the disk's end").isEqualTo(marker());

        open(provisioning, Map.of("system", device)); // a restart
        assertThat(set.appliedSeq()).isEqualTo(7);
        assertThat(TestImages.sha256(read(image, 0, SYSTEM.sizeBytes()))).isEqualTo(TestImages.sha256(expected.bytes));
    }

    @Test
    void aDeviceSmallerThanTheDiskIsRefusedNamingBothSizes() throws Exception {
        Path small = loopDevice("small", 4 * MIB);

        assertThatThrownBy(() -> open(Provisioning.THIN, Map.of("system", small)))
                .isInstanceOf(ReplicaSetException.class)
                .hasMessageContaining("block device " + small + " has " + 4 * MIB + " bytes, fewer than the "
                        + 8 * MIB + " of disk system");
        set = null;
    }

    @Test
    void aDiskGrowsOnItsDeviceUpToTheDevicesSizeAndNoFurther() throws Exception {
        Path device = loopDevice("grows", 10 * MIB);
        open(Provisioning.THIN, Map.of("system", device)).close();
        set = null;
        DiskInfo fits = new DiskInfo(SYSTEM.id(), SYSTEM.name(), 10 * MIB, SYSTEM.blockSizeBytes());
        open(List.of(fits, DATA), Provisioning.THIN, Map.of("system", device)).close();
        set = null;
        assertThat(ReplicaSet.readStamp(dir.resolve("cg-3")).orElseThrow().disks()).containsExactly(fits, DATA);

        DiskInfo tooLarge = new DiskInfo(SYSTEM.id(), SYSTEM.name(), 12 * MIB, SYSTEM.blockSizeBytes());
        assertThatThrownBy(() -> open(List.of(tooLarge, DATA), Provisioning.THIN, Map.of("system", device)))
                .isInstanceOf(ReplicaSetException.class)
                .hasMessageContaining("block device " + device + " has " + 10 * MIB + " bytes, fewer than the "
                        + 12 * MIB + " of disk system");
        set = null;
        assertThat(ReplicaSet.readStamp(dir.resolve("cg-3")).orElseThrow().disks()).as("the stamp unchanged")
                .containsExactly(fits, DATA);
    }

    @Test
    void anotherDeviceOrNoneForADiskAlreadyOnOneIsRefused() throws Exception {
        Path first = loopDevice("first", 8 * MIB);
        Path second = loopDevice("second", 8 * MIB);
        open(Provisioning.THIN, Map.of("system", first)).close();
        set = null;

        assertThatThrownBy(() -> open(Provisioning.THIN, Map.of("system", second)))
                .hasMessageContaining("is " + first).hasMessageContaining("maps it to " + second);
        assertThatThrownBy(() -> open(Provisioning.THIN, Map.of()))
                .hasMessageContaining("maps no device to it");
        set = null;
    }

    private static byte[] pattern(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    private static byte[] marker() {
        return "datamvr!".getBytes(StandardCharsets.US_ASCII);
    }

    private static void writeMarker(Path device, long offset) throws IOException {
        try (SparseFile f = SparseFile.openReadWrite(device)) {
            f.writeFully(ByteBuffer.wrap(marker()), offset);
            f.fdatasync();
        }
    }

    private static byte[] read(Path device, long offset, long length) throws IOException {
        try (SparseFile f = SparseFile.openReadOnly(device)) {
            ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(length));
            f.readFully(buffer, offset);
            return buffer.array();
        }
    }

    private static int run(String... command) throws Exception {
        return run(new String[1], command);
    }

    private static int run(String[] output, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        output[0] = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
