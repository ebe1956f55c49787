package io.datamover.applier;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.RecordKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the default bound, the resync of a small group may overwrite every region of a full disk: the undo log's
 * own entry headers must not make it refuse the last batches (a 64 MiB disk did, with a 64 MiB bound).
 */
class DefaultUndoBoundTest {
    private static final int MIB = 1024 * 1024;
    private static final DiskInfo DISK = new DiskInfo(1, "small", 64L * MIB, 4096);
    private static final ReplicaSetConfig CONFIG = new ReplicaSetConfig("pair-a", 5, List.of(DISK), Provisioning.THIN);

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ByteBuf chunk = Unpooled.wrappedBuffer(randomBytes(MIB));
    private long seq;

    @Test
    void aResyncRewritingAWholeFullDiskFitsTheDefaultBound() throws Exception {
        assertThat(ResyncProtection.defaultUndoMaxBytes(List.of(DISK))).isGreaterThan(DISK.sizeBytes());
        try (ReplicaSet set = ReplicaSet.open(dir, CONFIG)) {
            Applier applier = new Applier(set, registry);
            sync(applier); // the initial sync: no consistent image yet, no log
            assertThat(set.states()).containsExactly(Map.entry(DISK.id(), ReplicaState.UP_TO_DATE));
            long consistent = set.appliedSeq();

            applyMarker(applier, RecordKind.SYNC_BEGIN);
            for (long offset = 0; offset < DISK.sizeBytes(); offset += 8L * MIB) {
                applyBatch(applier, offset, 8);
                assertThat(set.resyncProtected()).as("every region rewritten keeps its before-image").isTrue();
            }
            assertThat(set.consistentSeq()).hasValue(consistent);
            UndoLog log = set.undoLog();
            assertThat(log.sizeBytes()).as("a before-image of every region").isGreaterThan(DISK.sizeBytes());
            assertThat(log.entries()).isEqualTo((int) (DISK.sizeBytes() / ReplicaSet.UNDO_REGION_BYTES));

            applyMarker(applier, RecordKind.SYNC_END);
            assertThat(set.undoLog()).as("the finished resync drops the log").isNull();
            assertThat(set.states()).containsExactly(Map.entry(DISK.id(), ReplicaState.UP_TO_DATE));
        } finally {
            chunk.release();
        }
    }

    private void sync(Applier applier) throws Exception {
        applyMarker(applier, RecordKind.SYNC_BEGIN);
        for (long offset = 0; offset < DISK.sizeBytes(); offset += 8L * MIB) {
            applyBatch(applier, offset, 8);
        }
        applyMarker(applier, RecordKind.SYNC_END);
    }

    /** One batch holding only a {@code kind} marker of the disk. */
    private void applyMarker(Applier applier, RecordKind kind) throws Exception {
        seq++;
        applier.apply(seq, seq, List.of(BlockWrite.marker(seq, DISK.id(), kind)));
    }

    /** One batch of {@code mebibytes} 1 MiB writes from {@code offset} on. */
    private void applyBatch(Applier applier, long offset, int mebibytes) throws Exception {
        List<BlockWrite> writes = new ArrayList<>();
        long first = seq + 1;
        for (int i = 0; i < mebibytes; i++) {
            writes.add(BlockWrite.data(++seq, DISK.id(), offset + (long) i * MIB, chunk.retainedDuplicate()));
        }
        try {
            applier.apply(first, seq, writes);
        } finally {
            writes.forEach(BlockWrite::release);
        }
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new Random(7).nextBytes(bytes);
        return bytes;
    }
}
