package io.datamover.gateway.source.ship;

import io.datamover.protocol.BlockWrite;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Last writer wins inside one batch: drops every write whose whole range later writes of the same
 * batch on the same disk cover (DATA, ZERO and TRIM all cover). A write only partly overwritten is
 * kept whole, so every shipped DATA entry still carries the CRC the tap took over exactly its
 * payload; the applier writes it first and the later write over it. Markers (SYNC_BEGIN, SYNC_END)
 * are never dropped and cover nothing.
 *
 * <p>One walk from the newest write back to the oldest over a merged interval set per disk:
 * O(n log n) for n writes.
 */
final class Coalescer {
    private Coalescer() {}

    /**
     * What survives of a batch.
     *
     * @param kept the writes to ship, in the order given (seq order); the same objects, not retained
     * @param droppedWrites writes left out because later ones cover them
     * @param droppedBytes body bytes (fields and payload) those writes would have taken
     */
    record Result(List<BlockWrite> kept, int droppedWrites, long droppedBytes) {}

    /** Coalesces {@code writes}, given in seq order; ownership of the writes does not change. */
    static Result coalesce(List<BlockWrite> writes) {
        boolean[] dropped = new boolean[writes.size()];
        Map<Integer, CoveredRanges> coveredByDisk = new HashMap<>();
        int droppedWrites = 0;
        long droppedBytes = 0;
        for (int i = writes.size() - 1; i >= 0; i--) {
            BlockWrite w = writes.get(i);
            if (w.kind().isMarker()) {
                continue;
            }
            CoveredRanges covered = coveredByDisk.computeIfAbsent(w.disk(), d -> new CoveredRanges());
            if (covered.covers(w.offset(), w.endOffset())) {
                dropped[i] = true;
                droppedWrites++;
                droppedBytes += w.encodedLength();
            } else {
                covered.add(w.offset(), w.endOffset());
            }
        }
        if (droppedWrites == 0) {
            return new Result(writes, 0, 0);
        }
        List<BlockWrite> kept = new ArrayList<>(writes.size() - droppedWrites);
        for (int i = 0; i < writes.size(); i++) {
            if (!dropped[i]) {
                kept.add(writes.get(i));
            }
        }
        return new Result(kept, droppedWrites, droppedBytes);
    }

    /** Disjoint, non-adjacent half-open byte ranges: start -> end. */
    private static final class CoveredRanges {
        private final TreeMap<Long, Long> ranges = new TreeMap<>();

        boolean covers(long start, long end) {
            Map.Entry<Long, Long> floor = ranges.floorEntry(start);
            return floor != null && floor.getValue() >= end;
        }

        void add(long start, long end) {
            Map.Entry<Long, Long> floor = ranges.floorEntry(start);
            if (floor != null && floor.getValue() >= start) {
                start = floor.getKey();
                end = Math.max(end, floor.getValue());
            }
            Map.Entry<Long, Long> next = ranges.ceilingEntry(start);
            while (next != null && next.getKey() <= end) {
                end = Math.max(end, next.getValue());
                ranges.remove(next.getKey());
                next = ranges.higherEntry(next.getKey());
            }
            ranges.put(start, end);
        }
    }
}
