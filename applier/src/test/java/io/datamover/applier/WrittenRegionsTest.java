package io.datamover.applier;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.ResyncRegions.Range;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a discard of the replica's data must resync: only the regions written after the discard point. */
class WrittenRegionsTest {
    private static final int MIB = 1024 * 1024;
    private static final List<DiskInfo> DISKS = List.of(
            new DiskInfo(1, "system", 16L * MIB, 4096), new DiskInfo(2, "data", 4L * MIB, 4096));
    private static final ReplicaSetConfig CONFIG = new ReplicaSetConfig("pair-a", 5, DISKS, Provisioning.THIN);

    @TempDir
    Path dir;

    private ReplicaSet set;
    private Applier applier;
    private long seq;

    @AfterEach
    void close() throws IOException {
        if (set != null) {
            set.close();
        }
    }

    private void reopen() throws IOException {
        if (set != null) {
            set.close();
        }
        set = ReplicaSet.open(dir, CONFIG);
        applier = new Applier(set, new SimpleMeterRegistry());
        seq = set.appliedSeq();
    }

    /** Applies one DATA write of {@code length} bytes at {@code offset} as the next seq. */
    private void write(int disk, long offset, int length) throws Exception {
        seq++;
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte) seq);
        BlockWrite e = BlockWrite.data(seq, disk, offset, Unpooled.wrappedBuffer(bytes));
        try {
            applier.apply(seq, seq, List.of(e));
        } finally {
            e.release();
        }
    }

    /** A source accepted at the applied seq (a restarted one, with its next generation), as the target does. */
    private GenerationHistory nextGeneration() throws IOException {
        GenerationHistory next = set.generations().isNone() ? GenerationHistory.first()
                : set.generations().next(set.appliedSeq(), false);
        set.adoptGenerations(next);
        set.beginWrittenEpoch(set.appliedSeq());
        return next;
    }


    @Test
    void aDiscardReportsOnlyTheRegionsWrittenAfterItsSeqAcrossAReopen() throws Exception {
        reopen();
        nextGeneration();
        for (long off = 0; off < 16L * MIB; off += MIB) {
            write(1, off, MIB); // the initial sync: every region of both disks
        }
        write(2, 0, 4 * MIB);
        long common = set.appliedSeq();
        nextGeneration(); // the source restarted: a new generation from here
        write(1, 3L * MIB + 4096, 8192); // what the source will not hold: region 3 ...
        write(1, 9L * MIB - 4096, 8192); // ... and regions 8 and 9 (the write straddles them)
        reopen();

        ResyncRegions report = set.discardAfter(common, set.generations().next(common, true), true);

        assertThat(report.everything()).isFalse();
        assertThat(report.ranges()).containsExactly(new Range(1, 3L * MIB, MIB), new Range(1, 8L * MIB, 2L * MIB),
                new Range(2, 0, MIB)); // disk 2 was not written: its first region, so that it is resynced at all
        assertThat(report.bytes()).isEqualTo(4L * MIB);
        assertThat(set.pendingDiscard()).as("kept for the source until the resync ends").contains(report);
        reopen();
        assertThat(set.pendingDiscard()).contains(report);
        assertThat(set.appliedSeq()).isEqualTo(common);
        assertThat(set.states()).containsOnly(Map.entry(1, ReplicaState.INCONSISTENT),
                Map.entry(2, ReplicaState.INCONSISTENT));
    }

    @Test
    void aDiscardBeforeTheSetKnewItsWritesReportsEverything() throws Exception {
        reopen();
        nextGeneration();
        write(1, 0, 4096);
        write(1, MIB, 4096);
        Files.delete(dir.resolve(WrittenRegions.FILE_NAME)); // a replica set from a build before this record
        reopen();
        write(1, 2L * MIB, 4096);

        assertThat(set.writtenAfter(2).ranges()).containsExactly(new Range(1, 2L * MIB, MIB));
        assertThat(set.discardAfter(1, set.generations().next(1, true), true).everything())
                .as("seq 1 is before what the record covers").isTrue();
    }

    @Test
    void aDamagedRecordIsNotTrustedAndADiscardBeforeItsRestartIsEverything() throws Exception {
        reopen();
        write(1, 0, 4096);
        write(1, 5L * MIB, 4096);
        Path file = dir.resolve(WrittenRegions.FILE_NAME);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(file, bytes);
        reopen();

        assertThat(set.writtenAfter(0).everything()).isTrue();
        assertThat(set.writtenAfter(2).bytes()).isZero();
    }

    @Test
    void manyGenerationsKeepTheRecordBoundedAndNeverLoseAWrite() throws Exception {
        reopen();
        for (int g = 0; g < 3 * WrittenRegions.MAX_EPOCHS; g++) {
            nextGeneration();
            write(1, (long) (g % 16) * MIB, 4096);
        }
        long size = Files.size(dir.resolve(WrittenRegions.FILE_NAME));
        assertThat(size).as("bounded by the epochs kept").isLessThanOrEqualTo(
                12 + WrittenRegions.MAX_EPOCHS * (8 + 2 + 1));
        assertThat(set.writtenAfter(0).bytes()).as("every region written since seq 0").isEqualTo(16L * MIB);
        assertThat(set.writtenAfter(set.appliedSeq() - 1).bytes()).as("the last generation's only")
                .isEqualTo(MIB);
    }

    @Test
    void theReportIsForgottenOnceEveryDiskIsUpToDateAgain() throws Exception {
        reopen();
        nextGeneration();
        write(1, 0, 4096);
        set.discardAfter(0, set.generations().next(0, true), true);
        assertThat(set.pendingDiscard()).isPresent();
        set.recordApplied(1, Map.of(1, ReplicaState.UP_TO_DATE, 2, ReplicaState.INCONSISTENT));
        assertThat(set.pendingDiscard()).as("disk 2 not resynced yet").isPresent();
        set.recordApplied(2, Map.of(1, ReplicaState.UP_TO_DATE, 2, ReplicaState.UP_TO_DATE));
        assertThat(set.pendingDiscard()).isEqualTo(Optional.empty());
        assertThat(dir.resolve(DiscardReport.FILE_NAME)).doesNotExist();
    }
}
