package io.datamover.gateway.source.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.RecordKind;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CoalescerTest {
    private final List<BlockWrite> made = new ArrayList<>();

    @AfterEach
    void releaseAll() {
        made.forEach(BlockWrite::release);
    }

    private BlockWrite data(long seq, int disk, long offset, int length) {
        byte[] bytes = new byte[length];
        new SplittableRandom(seq).nextBytes(bytes);
        return track(BlockWrite.data(seq, disk, offset, Unpooled.wrappedBuffer(bytes)));
    }

    private BlockWrite range(long seq, int disk, long offset, int length, RecordKind kind) {
        return track(BlockWrite.range(seq, disk, offset, length, kind));
    }

    private BlockWrite marker(long seq, int disk, RecordKind kind) {
        return track(BlockWrite.marker(seq, disk, kind));
    }

    private BlockWrite track(BlockWrite w) {
        made.add(w);
        return w;
    }

    private static List<Long> seqs(Coalescer.Result result) {
        return result.kept().stream().map(BlockWrite::seq).toList();
    }

    @Test
    void aWriteCoveredByOneLaterWriteIsDroppedAndCounted() {
        BlockWrite first = data(1, 0, 4096, 4096);
        Coalescer.Result r = Coalescer.coalesce(List.of(first, data(2, 0, 0, 16384)));
        assertThat(seqs(r)).containsExactly(2L);
        assertThat(r.droppedWrites()).isEqualTo(1);
        assertThat(r.droppedBytes()).isEqualTo(first.encodedLength());
    }

    @Test
    void aWriteCoveredBySeveralLaterWritesTogetherIsDropped() {
        Coalescer.Result r = Coalescer.coalesce(List.of(
                data(1, 0, 1000, 3000),
                data(2, 0, 0, 1500),
                data(3, 0, 2500, 2000),
                data(4, 0, 1500, 1000)));
        assertThat(seqs(r)).containsExactly(2L, 3L, 4L);
        assertThat(r.droppedWrites()).isEqualTo(1);
    }

    @Test
    void aPartlyOverwrittenWriteIsKeptWholeWithItsCrc() {
        BlockWrite first = data(1, 0, 0, 8192);
        Coalescer.Result r = Coalescer.coalesce(List.of(first, data(2, 0, 4096, 8192), data(3, 0, 1, 8190)));
        assertThat(seqs(r)).containsExactly(1L, 2L, 3L);
        assertThat(r.kept().getFirst()).isSameAs(first);
        assertThat(r.kept().getFirst().payloadCrcMatches()).isTrue();
        assertThat(r.droppedWrites()).isZero();
        assertThat(r.droppedBytes()).isZero();
    }

    @Test
    void aGapBetweenLaterWritesKeepsTheEarlierOne() {
        Coalescer.Result r = Coalescer.coalesce(List.of(data(1, 0, 0, 300), data(2, 0, 0, 100), data(3, 0, 101, 199)));
        assertThat(seqs(r)).containsExactly(1L, 2L, 3L);
    }

    @Test
    void zeroAndTrimCoverDataAndEachOther() {
        Coalescer.Result r = Coalescer.coalesce(List.of(
                data(1, 0, 0, 4096),
                range(2, 0, 0, 8192, RecordKind.ZERO),
                data(3, 0, 65536, 512),
                range(4, 0, 65536, 4096, RecordKind.TRIM),
                range(5, 0, 0, 4096, RecordKind.TRIM)));
        assertThat(seqs(r)).containsExactly(2L, 4L, 5L);
        assertThat(r.droppedWrites()).isEqualTo(2);
    }

    @Test
    void markersAreNeverDroppedAndCoverNothing() {
        Coalescer.Result r = Coalescer.coalesce(List.of(
                marker(1, 0, RecordKind.SYNC_BEGIN),
                data(2, 0, 0, 512),
                marker(3, 0, RecordKind.SYNC_END),
                marker(4, 0, RecordKind.SYNC_BEGIN),
                data(5, 0, 0, 512)));
        assertThat(seqs(r)).containsExactly(1L, 3L, 4L, 5L);
    }

    @Test
    void disksAreIndependent() {
        Coalescer.Result r = Coalescer.coalesce(List.of(data(1, 0, 0, 4096), data(2, 1, 0, 4096), data(3, 1, 0, 4096)));
        assertThat(seqs(r)).containsExactly(1L, 3L);
    }

    @Test
    void repeatedOverwritesOfTheSameBlocksKeepOnlyTheLastOfEach() {
        List<BlockWrite> writes = new ArrayList<>();
        for (long seq = 1; seq <= 1000; seq++) {
            writes.add(data(seq, 0, (seq % 4) * 4096, 4096));
        }
        Coalescer.Result r = Coalescer.coalesce(writes);
        assertThat(seqs(r)).containsExactly(997L, 998L, 999L, 1000L);
        assertThat(r.droppedWrites()).isEqualTo(996);
    }

    /** Against a byte-map model: the kept writes, applied in order, leave what all writes leave. */
    @Test
    void keptWritesApplyToTheSameImageAsAllWrites() {
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 200; round++) {
            List<BlockWrite> writes = new ArrayList<>();
            int n = 1 + random.nextInt(40);
            for (long seq = 1; seq <= n; seq++) {
                int disk = random.nextInt(2);
                long offset = random.nextInt(64) * 16L;
                int length = 16 * (1 + random.nextInt(8));
                writes.add(switch (random.nextInt(5)) {
                    case 0 -> range(seq, disk, offset, length, RecordKind.ZERO);
                    case 1 -> range(seq, disk, offset, length, RecordKind.TRIM);
                    default -> data(seq, disk, offset, length);
                });
            }
            Coalescer.Result r = Coalescer.coalesce(writes);
            assertThat(image(r.kept())).isDeepEqualTo(image(writes));
            assertThat(seqs(r)).isSorted();
            long[] allSeqs = r.kept().stream().mapToLong(BlockWrite::seq).toArray();
            assertThat(r.droppedWrites()).isEqualTo(writes.size() - allSeqs.length);
        }
    }

    /** Who wrote each byte last (seq, or -seq for zero/trim), per disk. */
    private static long[][] image(List<BlockWrite> writes) {
        long[][] image = new long[2][64 * 16 + 128];
        for (BlockWrite w : writes) {
            for (long b = w.offset(); b < w.endOffset(); b++) {
                image[w.disk()][(int) b] = w.kind() == RecordKind.DATA ? w.seq() : -1;
            }
        }
        return image;
    }
}
