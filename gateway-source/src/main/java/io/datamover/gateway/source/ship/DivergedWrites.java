package io.datamover.gateway.source.ship;

import io.datamover.gateway.source.journal.Journal;
import io.datamover.gateway.source.journal.JournalReader;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.SplitBrainRegions;
import io.datamover.protocol.WriteRecord;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The regions this source's journal changed past the seq its target was promoted at, while the target refuses it as a
 * split brain (docs/operations.md, "Split brain"), for status. Owned by the shipper's thread, which calls
 * {@link #follow} each round: it reads the journal from the promoted seq on through a scanner of its own, at most
 * {@link #ROUND_RECORDS} records a round, and marks a bit per region of each disk (memory: a bit per region up to the
 * highest written, 2 MiB per TiB of disk). The figure is exact as far as the journal goes; records it released before
 * the count began (batches the target acknowledged and then dropped at the failover) make it a lower bound.
 */
final class DivergedWrites implements AutoCloseable {
    /** The region size counted in: the tap's default bitmap region, so that both sites' figures compare. */
    static final long REGION_BYTES = 64 << 10;
    static final int ROUND_RECORDS = 4096;
    private static final long NONE = -1;

    private final Journal journal;
    private final Map<Integer, BitSet> written = new HashMap<>();
    private long promotedSeq = NONE;
    private JournalReader scanner;
    private long regions;
    private boolean released;
    /** The latest count, for status from any thread; null when not refused as a split brain. */
    private volatile SplitBrainRegions figure;

    DivergedWrites(Journal journal) {
        this.journal = journal;
    }

    /**
     * Follows the target's {@code refusal} (null when none): counts on from where the last round stopped, starts
     * again when the promoted seq it names changes, forgets it all when there is none.
     *
     * @return whether records are left to count (the caller should come back at once)
     */
    boolean follow(String refusal) {
        OptionalLong promoted = SplitBrainRegions.promotedSeqIn(refusal);
        if (promoted.isEmpty()) {
            close();
            return false;
        }
        if (promoted.getAsLong() != promotedSeq) {
            close();
            promotedSeq = promoted.getAsLong();
            released = journal.releasedSeq() > promotedSeq;
            scanner = journal.newScanner(promotedSeq + 1);
        }
        int read = 0;
        for (WriteRecord record; read < ROUND_RECORDS && (record = scanner.next()) != null; read++) {
            try {
                mark(record.write());
            } finally {
                record.release();
            }
        }
        figure = new SplitBrainRegions(regions, REGION_BYTES, released ? SplitBrainRegions.Bound.LOWER_BOUND
                : SplitBrainRegions.Bound.EXACT);
        return read == ROUND_RECORDS;
    }

    private void mark(BlockWrite write) {
        if (write.length() <= 0) {
            return; // a marker (SYNC_BEGIN, SYNC_END) changes no block
        }
        BitSet disk = written.computeIfAbsent(write.disk(), d -> new BitSet());
        int first = Math.toIntExact(write.offset() / REGION_BYTES);
        int end = Math.toIntExact((write.endOffset() - 1) / REGION_BYTES) + 1;
        int marked = disk.get(first, end).cardinality();
        disk.set(first, end);
        regions += end - first - marked;
    }

    /** The latest count, or null when the target does not refuse this source as a split brain. */
    SplitBrainRegions figure() {
        return figure;
    }

    @Override
    public void close() {
        if (scanner != null) {
            scanner.close();
            scanner = null;
        }
        written.clear();
        regions = 0;
        promotedSeq = NONE;
        figure = null;
    }
}
