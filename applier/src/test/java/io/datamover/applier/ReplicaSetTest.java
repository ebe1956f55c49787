package io.datamover.applier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.applier.ReplicaSetException.Reason;
import io.datamover.disk.SparseFile;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.GenerationHistory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicaSetTest {
    private static final long MIB = 1024 * 1024;
    private static final List<DiskInfo> DISKS = List.of(
            new DiskInfo(1, "system", 8 * MIB, 4096), new DiskInfo(7, "data", 4 * MIB, 512));

    @TempDir
    Path dir;

    private static ReplicaSetConfig config(String pair) {
        return new ReplicaSetConfig(pair, 3, DISKS, Provisioning.THIN);
    }

    @Test
    void firstContactCreatesSparseImagesAtTheSourceSizeAndAStamp() throws Exception {
        try (ReplicaSet set = ReplicaSet.open(dir, config("pair-a"))) {
            assertThat(set.appliedSeq()).isZero();
        }
        try (SparseFile system = SparseFile.openReadOnly(dir.resolve("system.img"));
                SparseFile data = SparseFile.openReadOnly(dir.resolve("data.img"))) {
            assertThat(system.size()).isEqualTo(8 * MIB);
            assertThat(data.size()).isEqualTo(4 * MIB);
            assertThat(system.allocatedBytes() + data.allocatedBytes()).isZero();
        }
        assertThat(ReplicaMetadataFile.read(dir)).contains(ReplicaMetadata.initial("pair-a", 3, DISKS));
        assertThat(dir.resolve("replica-set.meta.tmp")).doesNotExist();
    }

    @Test
    void appliedSeqSurvivesReopen() throws Exception {
        try (ReplicaSet set = ReplicaSet.open(dir, config("pair-a"))) {
            set.recordAppliedSeq(41);
            set.recordAppliedSeq(42);
        }
        try (ReplicaSet set = ReplicaSet.open(dir, config("pair-a"))) {
            assertThat(set.appliedSeq()).isEqualTo(42);
        }
    }

    @Test
    void generationsSurviveReopenAndAppliedSeqsKeepThem() throws Exception {
        GenerationHistory adopted = GenerationHistory.first().next(40, false);
        try (ReplicaSet set = ReplicaSet.open(dir, config("pair-a"))) {
            assertThat(set.generations().isNone()).as("a new replica set has no generation").isTrue();
            set.recordAppliedSeq(40);
            set.adoptGenerations(adopted);
            set.recordAppliedSeq(41);
        }
        try (ReplicaSet set = ReplicaSet.open(dir, config("pair-a"))) {
            assertThat(set.generations()).isEqualTo(adopted);
            assertThat(set.appliedSeq()).isEqualTo(41);
        }
    }

    @Test
    void aStampOfTheVersionBeforeGenerationsReadsAsNoGenerationYet() throws Exception {
        try (ReplicaSet set = ReplicaSet.open(dir, config("pair-a"))) {
            set.recordAppliedSeq(17);
        }
        // The same stamp as a build without generations wrote it: version 2, no history before the CRC.
        Path meta = ReplicaMetadataFile.path(dir);
        byte[] v3 = Files.readAllBytes(meta);
        int historyBytes = GenerationHistory.NONE.encodedLength();
        byte[] v2 = java.util.Arrays.copyOf(v3, v3.length - historyBytes);
        ByteBuffer.wrap(v2).putShort(4, (short) 2).putInt(8, v2.length);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(v2, 0, v2.length - 4);
        ByteBuffer.wrap(v2).putInt(v2.length - 4, (int) crc.getValue());
        Files.write(meta, v2);

        try (ReplicaSet set = ReplicaSet.open(dir, config("pair-a"))) {
            assertThat(set.appliedSeq()).isEqualTo(17);
            assertThat(set.generations().isNone()).isTrue();
            set.adoptGenerations(GenerationHistory.first());
        }
        assertThat(ByteBuffer.wrap(Files.readAllBytes(meta)).getShort(4)).as("written back as version 3")
                .isEqualTo((short) 3);
    }

    @Test
    void anotherPairIsRefusedWithBothNames() throws Exception {
        ReplicaSet.open(dir, config("pair-a")).close();
        String before = TestImages.sha256(ReplicaMetadataFile.path(dir));

        assertThatThrownBy(() -> ReplicaSet.open(dir, config("pair-b")))
                .isInstanceOfSatisfying(ReplicaSetException.class, e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_PAIR))
                .hasMessageContaining("'pair-a'").hasMessageContaining("'pair-b'");
        assertThatThrownBy(() -> ReplicaSet.open(dir, new ReplicaSetConfig("pair-a", 4, DISKS, Provisioning.THIN)))
                .isInstanceOfSatisfying(ReplicaSetException.class, e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_PAIR))
                .hasMessageContaining("group 3").hasMessageContaining("group 4");
        assertThat(TestImages.sha256(ReplicaMetadataFile.path(dir))).isEqualTo(before);
    }

    @Test
    void anyFlippedByteInTheStampIsRefused() throws Exception {
        ReplicaSet.open(dir, config("pair-a")).close();
        Path meta = ReplicaMetadataFile.path(dir);
        byte[] good = Files.readAllBytes(meta);
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x10;
            Files.write(meta, bad);
            int at = i;
            assertThatThrownBy(() -> ReplicaSet.open(dir, config("pair-a")))
                    .as("byte %d flipped", at)
                    .isInstanceOfSatisfying(ReplicaSetException.class, e -> assertThat(e.reason())
                            .isIn(Reason.CORRUPT_METADATA, Reason.UNSUPPORTED_VERSION));
        }
    }

    @Test
    void truncatedOrEmptyStampIsCorrupt() throws Exception {
        ReplicaSet.open(dir, config("pair-a")).close();
        Path meta = ReplicaMetadataFile.path(dir);
        byte[] good = Files.readAllBytes(meta);
        for (int length : new int[] {0, 3, 12, good.length - 1}) {
            Files.write(meta, java.util.Arrays.copyOf(good, length));
            assertThatThrownBy(() -> ReplicaSet.open(dir, config("pair-a")))
                    .isInstanceOfSatisfying(ReplicaSetException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT_METADATA));
        }
    }

    @Test
    void anotherFormatVersionIsRefusedByName() throws Exception {
        ReplicaSet.open(dir, config("pair-a")).close();
        Path meta = ReplicaMetadataFile.path(dir);
        byte[] bytes = Files.readAllBytes(meta);
        ByteBuffer.wrap(bytes).putShort(4, (short) 99);
        Files.write(meta, bytes);

        assertThatThrownBy(() -> ReplicaSet.open(dir, config("pair-a")))
                .isInstanceOfSatisfying(ReplicaSetException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED_VERSION))
                .hasMessageContaining("version 99");
    }

    @Test
    void aReplicaOfAnotherSizeIsRefused() throws Exception {
        try (ReplicaSet set = ReplicaSet.open(dir, config("pair-a"))) {
            set.recordAppliedSeq(1);
        }
        try (SparseFile data = SparseFile.openReadWrite(dir.resolve("data.img"))) {
            data.setSize(5 * MIB);
        }
        assertThatThrownBy(() -> ReplicaSet.open(dir, config("pair-a")))
                .isInstanceOfSatisfying(ReplicaSetException.class, e -> assertThat(e.reason()).isEqualTo(Reason.DISK_MISMATCH))
                .hasMessageContaining("data.img").hasMessageContaining(Long.toString(5 * MIB));
    }

    @Test
    void anImageLeftUnsizedByACrashDuringCreationIsSizedBeforeTheFirstBatch() throws Exception {
        ReplicaSet.open(dir, config("pair-a")).close();
        try (SparseFile data = SparseFile.openReadWrite(dir.resolve("data.img"))) {
            data.setSize(0);
        }
        ReplicaSet.open(dir, config("pair-a")).close();
        try (SparseFile data = SparseFile.openReadOnly(dir.resolve("data.img"))) {
            assertThat(data.size()).isEqualTo(4 * MIB);
        }
    }

    @Test
    void aDiskThatGrewGrowsItsReplicaThinKeepingItsDataAndTheStampRecordsIt() throws Exception {
        try (ReplicaSet set = ReplicaSet.open(dir, config("pair-a"))) {
            set.replica(1).file().writeFully(ByteBuffer.wrap(new byte[] {1, 2, 3}), 8 * MIB - 3);
            set.recordAppliedSeq(5);
        }
        List<DiskInfo> grown = List.of(new DiskInfo(1, "system", 72 * MIB, 4096), DISKS.get(1));
        try (ReplicaSet set = ReplicaSet.open(dir, new ReplicaSetConfig("pair-a", 3, grown, Provisioning.THIN))) {
            assertThat(set.disks()).isEqualTo(grown);
            assertThat(set.appliedSeq()).isEqualTo(5);
        }
        assertThat(ReplicaSet.readStamp(dir).orElseThrow().disks()).isEqualTo(grown);
        assertThat(dir.resolve(GrowthIntent.FILE_NAME)).doesNotExist();
        try (SparseFile system = SparseFile.openReadOnly(dir.resolve("system.img"))) {
            assertThat(system.size()).isEqualTo(72 * MIB);
            assertThat(system.allocatedBytes()).as("thin stays thin").isLessThanOrEqualTo(64 * 1024);
            ByteBuffer tail = ByteBuffer.allocate(3);
            system.readFully(tail, 8 * MIB - 3);
            assertThat(tail.array()).containsExactly(1, 2, 3);
        }
        // Opened again as the stamp now says (a restart): nothing to grow, nothing refused.
        ReplicaSet.open(dir, new ReplicaSetConfig("pair-a", 3, grown, Provisioning.THIN)).close();
    }

    @Test
    void aThickReplicaGrowsAllocated() throws Exception {
        ReplicaSet.open(dir, new ReplicaSetConfig("pair-a", 3, DISKS, Provisioning.THICK)).close();
        List<DiskInfo> grown = List.of(new DiskInfo(1, "system", 24 * MIB, 4096), DISKS.get(1));
        ReplicaSet.open(dir, new ReplicaSetConfig("pair-a", 3, grown, Provisioning.THICK)).close();
        try (SparseFile system = SparseFile.openReadOnly(dir.resolve("system.img"))) {
            assertThat(system.size()).isEqualTo(24 * MIB);
            assertThat(system.allocatedBytes()).isGreaterThanOrEqualTo(24 * MIB);
        }
    }

    @Test
    void aGrowthACrashCutShortIsCutBackAtTheNextOpenAndDoneAgainByTheNext() throws Exception {
        try (ReplicaSet set = ReplicaSet.open(dir, config("pair-a"))) {
            set.recordAppliedSeq(9);
        }
        List<DiskInfo> grown = List.of(new DiskInfo(1, "system", 16 * MIB, 4096), DISKS.get(1));
        // The state a kill -9 leaves between growing the image and writing the stamp.
        GrowthIntent.write(dir, grown);
        try (SparseFile system = SparseFile.openReadWrite(dir.resolve("system.img"))) {
            system.setSize(16 * MIB);
        }
        try (ReplicaSet set = ReplicaSet.open(dir, config("pair-a"))) {
            assertThat(set.disks()).isEqualTo(DISKS);
        }
        assertThat(Files.size(dir.resolve("system.img"))).isEqualTo(8 * MIB);
        assertThat(dir.resolve(GrowthIntent.FILE_NAME)).doesNotExist();
        ReplicaSet.open(dir, new ReplicaSetConfig("pair-a", 3, grown, Provisioning.THIN)).close();
        assertThat(Files.size(dir.resolve("system.img"))).isEqualTo(16 * MIB);
        assertThat(ReplicaSet.readStamp(dir).orElseThrow().disks()).isEqualTo(grown);
    }

    @Test
    void aDiskThatShrankOrAChangedDiskListIsRefused() throws Exception {
        ReplicaSet.open(dir, config("pair-a")).close();
        List<DiskInfo> shrunk = List.of(new DiskInfo(1, "system", 4 * MIB, 4096), DISKS.get(1));
        assertThatThrownBy(() -> ReplicaSet.open(dir, new ReplicaSetConfig("pair-a", 3, shrunk, Provisioning.THIN)))
                .isInstanceOfSatisfying(ReplicaSetException.class, e -> assertThat(e.reason()).isEqualTo(Reason.DISK_MISMATCH))
                .hasMessageContaining("disk system shrank from " + 8 * MIB + " to " + 4 * MIB + " bytes: shrinking a"
                        + " protected disk is refused");
        List<DiskInfo> renamed = List.of(new DiskInfo(1, "boot", 16 * MIB, 4096), DISKS.get(1));
        assertThatThrownBy(() -> ReplicaSet.open(dir, new ReplicaSetConfig("pair-a", 3, renamed, Provisioning.THIN)))
                .hasMessageContaining("a changed disk set");
        assertThat(Files.size(dir.resolve("system.img"))).isEqualTo(8 * MIB);
    }

    @Test
    void anImageWithoutAStampIsNotAdopted() throws Exception {
        SparseFile.create(dir.resolve("system.img"), 8 * MIB).close();
        assertThatThrownBy(() -> ReplicaSet.open(dir, config("pair-a")))
                .isInstanceOfSatisfying(ReplicaSetException.class, e -> assertThat(e.reason()).isEqualTo(Reason.DISK_MISMATCH))
                .hasMessageContaining("no replica stamp");
        assertThat(ReplicaMetadataFile.path(dir)).doesNotExist();
    }

    @Test
    void aMissingImageAfterBatchesWereAppliedIsRefused() throws Exception {
        try (ReplicaSet set = ReplicaSet.open(dir, config("pair-a"))) {
            set.recordAppliedSeq(5);
        }
        Files.delete(dir.resolve("data.img"));
        assertThatThrownBy(() -> ReplicaSet.open(dir, config("pair-a")))
                .isInstanceOfSatisfying(ReplicaSetException.class, e -> assertThat(e.reason()).isEqualTo(Reason.DISK_MISMATCH))
                .hasMessageContaining("seq 5");
    }

    @Test
    void diskNamesThatLeaveTheDirectoryAreRefused() {
        for (String name : new String[] {"../escape", "a/b", ".hidden"}) {
            assertThatThrownBy(() -> new ReplicaSetConfig("pair-a", 3,
                    List.of(new DiskInfo(1, name, MIB, 4096)), Provisioning.THIN))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(name);
        }
    }
}
