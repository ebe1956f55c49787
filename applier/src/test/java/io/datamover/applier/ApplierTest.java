package io.datamover.applier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.applier.Applier.Outcome;
import io.datamover.applier.ApplyException.Reason;
import io.datamover.disk.SparseFile;
import io.datamover.protocol.Batch;
import io.datamover.protocol.BatchBodies;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.RecordKind;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ApplierTest {
    private static final int MIB = 1024 * 1024;
    private static final int BLOCK = ReferenceReplica.BLOCK;
    private static final List<DiskInfo> DISKS = List.of(
            new DiskInfo(1, "system", 8 * MIB, BLOCK), new DiskInfo(2, "data", 4 * MIB, BLOCK));
    /** Slack for ext4 extent-tree blocks, which st_blocks counts. */
    private static final long FS_METADATA_SLACK = 64 * 1024;

    @TempDir
    Path dir;

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final List<BlockWrite> toRelease = new ArrayList<>();
    private ReplicaSet set;

    @AfterEach
    void releaseAndClose() throws IOException {
        toRelease.forEach(BlockWrite::release);
        if (set != null) {
            set.close();
        }
    }

    private Applier open(Provisioning provisioning) throws IOException {
        if (set != null) {
            set.close();
        }
        set = ReplicaSet.open(dir, new ReplicaSetConfig("pair-a", 9, DISKS, provisioning));
        return new Applier(set, registry);
    }

    private BlockWrite data(long seq, int disk, long offset, byte[] bytes) {
        return keep(BlockWrite.data(seq, disk, offset, Unpooled.wrappedBuffer(bytes)));
    }

    private BlockWrite range(long seq, int disk, long offset, int length, RecordKind kind) {
        return keep(BlockWrite.range(seq, disk, offset, length, kind));
    }

    private BlockWrite keep(BlockWrite e) {
        toRelease.add(e);
        return e;
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    private String image(String name) throws IOException {
        return TestImages.sha256(dir.resolve(name + ".img"));
    }

    private long allocated(String name) throws IOException {
        try (SparseFile f = SparseFile.openReadOnly(dir.resolve(name + ".img"))) {
            return f.allocatedBytes();
        }
    }

    /** A random DATA (random, all-zero or partly zero), ZERO or TRIM write inside {@code disk}. */
    private BlockWrite randomWrite(Random rnd, long seq, DiskInfo disk) {
        int length = 1 + rnd.nextInt(rnd.nextBoolean() ? 4 * BLOCK : 64 * BLOCK);
        long offset = rnd.nextBoolean()
                ? (long) rnd.nextInt((int) (disk.sizeBytes() - length) / BLOCK) * BLOCK
                : rnd.nextLong(disk.sizeBytes() - length);
        int pick = rnd.nextInt(100);
        if (pick < 15) {
            return range(seq, disk.id(), offset, length, RecordKind.ZERO);
        }
        if (pick < 25) {
            return range(seq, disk.id(), offset, length, RecordKind.TRIM);
        }
        byte[] bytes = new byte[length];
        if (pick < 70) {
            rnd.nextBytes(bytes);
        } else if (pick < 85) {
            for (int i = 0; i < length; i += BLOCK) {
                if (rnd.nextBoolean()) {
                    bytes[i + rnd.nextInt(Math.min(BLOCK, length - i))] = (byte) (1 + rnd.nextInt(255));
                }
            }
        } // else: all zero
        if (rnd.nextBoolean()) {
            ByteBuf direct = Unpooled.directBuffer(length).writeBytes(bytes);
            return keep(BlockWrite.data(seq, disk.id(), offset, direct));
        }
        return data(seq, disk.id(), offset, bytes);
    }

    @ParameterizedTest
    @EnumSource(Provisioning.class)
    void randomBatchesGiveTheReferenceImageAndThinReplicasStayThin(Provisioning provisioning) throws Exception {
        Applier applier = open(provisioning);
        Random rnd = new Random(20261122L + provisioning.ordinal());
        List<ReferenceReplica> reference = DISKS.stream()
                .map(d -> new ReferenceReplica(Math.toIntExact(d.sizeBytes()))).toList();
        long seq = 0;
        for (int batch = 0; batch < 30; batch++) {
            long first = seq + 1;
            List<BlockWrite> entries = new ArrayList<>();
            for (int i = rnd.nextInt(12); i > 0; i--) {
                seq += 1 + rnd.nextInt(3); // coalescing leaves seqs out
                int disk = rnd.nextInt(DISKS.size());
                BlockWrite e = randomWrite(rnd, seq, DISKS.get(disk));
                entries.add(e);
                reference.get(disk).apply(e);
            }
            seq = Math.max(seq, first);
            assertThat(applier.apply(first, seq, entries)).isEqualTo(Outcome.APPLIED);
        }

        assertThat(applier.appliedSeq()).isEqualTo(seq);
        for (int d = 0; d < DISKS.size(); d++) {
            String name = DISKS.get(d).name();
            assertThat(image(name)).as(name).isEqualTo(TestImages.sha256(reference.get(d).bytes));
            if (provisioning == Provisioning.THIN) {
                assertThat(allocated(name)).as(name + " allocated")
                        .isBetween(reference.get(d).minAllocatedBytes(),
                                reference.get(d).maxAllocatedBytes() + FS_METADATA_SLACK);
            }
        }
        assertThat(registry.get("datamover.applier.batches").tag("result", "applied").counter().count()).isEqualTo(30);
        assertThat(registry.get("datamover.applier.apply").timer().count()).isEqualTo(30);
    }

    @Test
    void aThinReplicaOfAMostlyEmptySourceStaysSmall() throws Exception {
        Applier applier = open(Provisioning.THIN);
        byte[] sparse = new byte[MIB];
        sparse[MIB / 2 + 100] = 7;
        byte[] random = new byte[2 * MIB];
        new Random(1).nextBytes(random);

        applier.apply(1, 5, List.of(
                data(1, 1, 0, sparse),
                data(2, 1, 2 * MIB, new byte[MIB]),
                range(3, 1, 4 * MIB, 4 * MIB, RecordKind.ZERO),
                data(4, 2, 0, random),
                range(5, 2, 0, 2 * MIB, RecordKind.TRIM)));

        assertThat(allocated("system")).isBetween((long) BLOCK, BLOCK + FS_METADATA_SLACK);
        assertThat(allocated("data")).isLessThanOrEqualTo(FS_METADATA_SLACK);
        assertThat(registry.get("datamover.applier.bytes.punched").counter().count())
                .isEqualTo(MIB - BLOCK + MIB + 4 * MIB + 2 * MIB);
        assertThat(registry.get("datamover.applier.bytes.written").counter().count()).isEqualTo(BLOCK + 2 * MIB);
    }

    @Test
    void aThickReplicaIsAllocatedWholeAndZerosKeepItSo() throws Exception {
        Applier applier = open(Provisioning.THICK);
        assertFullyAllocated();

        byte[] random = new byte[2 * MIB];
        new Random(3).nextBytes(random);
        applier.apply(1, 5, List.of(
                data(1, 1, 0, random),
                range(2, 1, 0, MIB, RecordKind.ZERO),
                range(3, 1, MIB + 100, MIB, RecordKind.TRIM), // unaligned: partial blocks at both edges
                data(4, 1, 4 * MIB, new byte[MIB]),
                range(5, 2, 0, 4 * MIB, RecordKind.TRIM)));

        assertFullyAllocated();
        byte[] expected = new byte[8 * MIB];
        System.arraycopy(random, MIB, expected, MIB, 100);
        assertThat(image("system")).isEqualTo(TestImages.sha256(expected));
        assertThat(image("data")).isEqualTo(TestImages.sha256(new byte[4 * MIB]));
        assertThat(registry.get("datamover.applier.bytes.punched").counter().count()).isZero();
        assertThat(registry.get("datamover.applier.bytes.written").counter().count())
                .isEqualTo(2 * MIB + MIB + MIB + MIB + 4 * MIB);

        open(Provisioning.THICK); // a restart
        assertFullyAllocated();
        assertThat(image("system")).isEqualTo(TestImages.sha256(expected));
    }

    @Test
    void aThinReplicaOpenedThickIsAllocatedWholeWithItsDataKept() throws Exception {
        // Also what a crash between creating a thick image and allocating it leaves behind.
        byte[] random = new byte[MIB];
        new Random(4).nextBytes(random);
        open(Provisioning.THIN).apply(1, 1, List.of(data(1, 1, 3 * MIB, random)));
        assertThat(allocated("data")).isLessThanOrEqualTo(FS_METADATA_SLACK);

        open(Provisioning.THICK);

        assertFullyAllocated();
        byte[] expected = new byte[8 * MIB];
        System.arraycopy(random, 0, expected, 3 * MIB, MIB);
        assertThat(image("system")).isEqualTo(TestImages.sha256(expected));
    }

    /** Every disk's image holds at least its size in allocated blocks, and not much more (extent-tree blocks). */
    private void assertFullyAllocated() throws IOException {
        for (DiskInfo disk : DISKS) {
            assertThat(allocated(disk.name())).as(disk.name() + " allocated")
                    .isBetween(disk.sizeBytes(), disk.sizeBytes() + FS_METADATA_SLACK);
        }
    }

    @Test
    void replayAfterACrashBeforeTheSeqWasRecordedGivesTheSameImage() throws Exception {
        Applier applier = open(Provisioning.THIN);
        applier.apply(1, 1, List.of(data(1, 1, 0, filled(3 * BLOCK, 1))));
        byte[] stampAtSeq1 = Files.readAllBytes(ReplicaMetadataFile.path(dir));
        List<BlockWrite> batch = List.of(
                data(2, 1, BLOCK, filled(BLOCK, 2)),
                range(3, 1, 0, 2 * BLOCK, RecordKind.TRIM),
                data(4, 1, 100, filled(50, 4)),
                data(5, 1, 2 * BLOCK, new byte[BLOCK]));
        applier.apply(2, 5, batch);
        String expected = image("system");
        assertThat(allocated("system")).isEqualTo(BLOCK);

        // Crash after only half of the writes reached the disk, before the seq was recorded.
        for (int written : new int[] {2, 4}) {
            set.close();
            set = null;
            Files.write(ReplicaMetadataFile.path(dir), stampAtSeq1);
            Applier crashed = open(Provisioning.THIN);
            crashed.apply(2, 5, batch.subList(0, written));
            set.close();
            set = null;
            Files.write(ReplicaMetadataFile.path(dir), stampAtSeq1);

            Applier recovered = open(Provisioning.THIN);
            assertThat(recovered.appliedSeq()).isEqualTo(1);
            assertThat(recovered.apply(2, 5, batch)).isEqualTo(Outcome.APPLIED);
            assertThat(recovered.appliedSeq()).isEqualTo(5);
            assertThat(image("system")).as("after replaying over %d writes", written).isEqualTo(expected);
        }
    }

    @Test
    void anAlreadyAppliedBatchIsSkipped() throws Exception {
        Applier applier = open(Provisioning.THIN);
        List<BlockWrite> old = List.of(data(1, 1, 0, filled(BLOCK, 1)), data(3, 2, 0, filled(BLOCK, 1)));
        applier.apply(1, 3, old);
        applier.apply(4, 4, List.of(data(4, 1, 0, filled(BLOCK, 2))));
        String before = image("system");

        assertThat(applier.apply(1, 3, old)).isEqualTo(Outcome.ALREADY_APPLIED);
        assertThat(applier.apply(4, 4, List.of())).isEqualTo(Outcome.ALREADY_APPLIED);

        assertThat(image("system")).isEqualTo(before);
        assertThat(applier.appliedSeq()).isEqualTo(4);
        assertThat(registry.get("datamover.applier.batches").tag("result", "already_applied").counter().count())
                .isEqualTo(2);
    }

    @Test
    void aGapOrAnOverlapIsRefusedAndNothingIsWritten() throws Exception {
        Applier applier = open(Provisioning.THIN);
        String empty = image("system");
        assertThatThrownBy(() -> applier.apply(2, 3, List.of(data(2, 1, 0, filled(BLOCK, 9)))))
                .isInstanceOfSatisfying(ApplyException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.SEQ_GAP);
                    assertThat(e.reason().errorCode()).isEqualTo(ErrorCode.SEQ_GAP);
                })
                .hasMessageContaining("applied seq 0");
        assertThat(image("system")).isEqualTo(empty);
        assertThat(applier.appliedSeq()).isZero();

        applier.apply(1, 3, List.of(data(2, 1, 0, filled(BLOCK, 1))));
        String atSeq3 = image("system");
        assertThatThrownBy(() -> applier.apply(3, 5, List.of(data(4, 1, 0, filled(BLOCK, 9)))))
                .isInstanceOfSatisfying(ApplyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.SEQ_GAP));
        assertThat(image("system")).isEqualTo(atSeq3);
        assertThat(applier.appliedSeq()).isEqualTo(3);
        assertThat(registry.get("datamover.applier.errors").tag("kind", "SEQ_GAP").counter().count()).isEqualTo(2);
    }

    @Test
    void aBatchWithOneBadEntryIsRejectedWhole() throws Exception {
        Applier applier = open(Provisioning.THIN);
        ByteBuf corrupt = Unpooled.wrappedBuffer(filled(BLOCK, 5));
        int crcOfOtherBytes = BlockWrite.data(1, 1, 0, Unpooled.wrappedBuffer(filled(BLOCK, 6))).payloadCrc();
        List<BlockWrite> bad = List.of(
                keep(new BlockWrite(3, 1, BLOCK, BLOCK, RecordKind.DATA, crcOfOtherBytes, corrupt)),
                range(4, 1, 0, 8 * MIB, RecordKind.TRIM));
        assertBatchRejected(applier, bad, Reason.CRC_MISMATCH, "does not match the CRC");
        assertBatchRejected(applier, List.of(data(3, 2, 4 * MIB - 10, filled(11, 1))), Reason.OUT_OF_RANGE, "past the end");
        assertBatchRejected(applier, List.of(range(3, 2, 4 * MIB, 1, RecordKind.ZERO)), Reason.OUT_OF_RANGE, "data");
        assertBatchRejected(applier, List.of(data(3, 5, 0, filled(1, 1))), Reason.UNKNOWN_DISK, "disk 5");
        assertBatchRejected(applier, List.of(data(3, 1, 0, filled(1, 1)), data(3, 1, 0, filled(1, 1))),
                Reason.BAD_ENTRY_SEQ, "seq 3");
        assertBatchRejected(applier, List.of(data(7, 1, 0, filled(1, 1))), Reason.BAD_ENTRY_SEQ, "seq 7");
    }

    /** Applies a batch [3, 4] whose first entry is valid and changes the disk, then {@code bad}. */
    private void assertBatchRejected(Applier applier, List<BlockWrite> bad, Reason reason, String message)
            throws Exception {
        if (applier.appliedSeq() == 0) {
            applier.apply(1, 2, List.of(data(1, 1, 0, filled(2 * BLOCK, 3)), data(2, 2, 0, filled(BLOCK, 3))));
        }
        String system = image("system");
        String data = image("data");
        List<BlockWrite> batch = new ArrayList<>(bad);
        if (bad.getFirst().seq() == 3 && bad.size() == 1) {
            batch.addFirst(keep(BlockWrite.data(3, 1, 0, Unpooled.wrappedBuffer(filled(BLOCK, 8)))));
            batch.set(1, renumber(bad.getFirst(), 4));
        }
        double errorsBefore = errors(reason);

        assertThatThrownBy(() -> applier.apply(3, 4, batch))
                .isInstanceOfSatisfying(ApplyException.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageContaining(message);

        assertThat(image("system")).isEqualTo(system);
        assertThat(image("data")).isEqualTo(data);
        assertThat(applier.appliedSeq()).isEqualTo(2);
        assertThat(errors(reason)).isEqualTo(errorsBefore + 1);
    }

    private BlockWrite renumber(BlockWrite e, long seq) {
        return keep(new BlockWrite(seq, e.disk(), e.offset(), e.length(), e.kind(), e.payloadCrc(), e.payload().retain()));
    }

    private double errors(Reason reason) {
        var counter = registry.find("datamover.applier.errors").tag("kind", reason.name()).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aBatchFrameIsOpenedCheckedAndApplied() throws Exception {
        Applier applier = open(Provisioning.THIN);
        byte[] compressible = filled(64 * BLOCK, 'x');
        Batch batch = frame(9, 1, 3, List.of(data(1, 1, 0, compressible), range(3, 2, 0, BLOCK, RecordKind.ZERO)));
        try {
            assertThat(batch.compression()).isEqualTo(io.datamover.protocol.Compression.LZ4);
            assertThat(applier.apply(batch, FrameLimits.DEFAULT, ByteBufAllocator.DEFAULT)).isEqualTo(Outcome.APPLIED);
            assertThat(applier.apply(batch, FrameLimits.DEFAULT, ByteBufAllocator.DEFAULT))
                    .isEqualTo(Outcome.ALREADY_APPLIED);
        } finally {
            batch.release();
        }
        byte[] expected = new byte[8 * MIB];
        System.arraycopy(compressible, 0, expected, 0, compressible.length);
        assertThat(image("system")).isEqualTo(TestImages.sha256(expected));
        assertThat(applier.appliedSeq()).isEqualTo(3);
    }

    @Test
    void aBatchFrameWithACorruptBodyOrAnotherGroupChangesNothing() throws Exception {
        Applier applier = open(Provisioning.THIN);
        String empty = image("system");
        Batch corrupt = frame(9, 1, 1, List.of(data(1, 1, 0, filled(BLOCK, 1))));
        Batch otherGroup = frame(8, 1, 1, List.of(data(1, 1, 0, filled(BLOCK, 1))));
        try {
            corrupt.body().setByte(corrupt.body().writerIndex() - 1, 2);
            assertThatThrownBy(() -> applier.apply(corrupt, FrameLimits.DEFAULT, ByteBufAllocator.DEFAULT))
                    .isInstanceOfSatisfying(ProtocolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.CRC_MISMATCH));
            assertThatThrownBy(() -> applier.apply(otherGroup, FrameLimits.DEFAULT, ByteBufAllocator.DEFAULT))
                    .isInstanceOfSatisfying(ApplyException.class, e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_CG))
                    .hasMessageContaining("group 8");
        } finally {
            corrupt.release();
            otherGroup.release();
        }
        assertThat(image("system")).isEqualTo(empty);
        assertThat(applier.appliedSeq()).isZero();
        assertThat(registry.get("datamover.applier.errors").tag("kind", "CRC_MISMATCH").counter().count()).isEqualTo(1);
    }

    private static Batch frame(int cg, long first, long last, List<BlockWrite> entries) {
        return BatchBodies.frame(cg, first, last, entries.size(), 1, 1,
                BatchBodies.build(entries, true, ByteBufAllocator.DEFAULT));
    }
}
