package io.datamover.gateway.source.journal;

import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.WriteRecord;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Reads the journal in seq order for shipping, on the shipper's thread, through the named tailer
 * "shipper". Only durable records are returned, each exactly once and in order; torn leftovers of
 * a crash are skipped (see {@link SequenceGate}).
 *
 * <p>The position that survives a restart is the next seq to deliver, kept in Chronicle's table
 * store next to the tailer's index. It is not trusted alone: Chronicle never syncs its table store,
 * so at open the reader walks from the retention point to that seq. A position lost in a machine
 * crash only makes the reader deliver some records again, which the target's resume seq filters.
 *
 * <p>A scanner ({@link Journal#newScanner}) reads the same way through an unnamed tailer that keeps no position and
 * counts nothing, for a reading beside the shipping one (a split brain's regions, docs/operations.md).
 */
public final class JournalReader implements AutoCloseable {
    static final String TAILER_NAME = "shipper";
    static final String NEXT_SEQ_KEY = "datamover.shipper.nextSeq";

    private final Journal journal;
    private final ExcerptTailer tailer;
    /** The shipping reader: keeps its position in the table store and counts skipped entries; a scanner does not. */
    private final boolean shipping;
    private SequenceGate gate;

    JournalReader(Journal journal, ExcerptTailer tailer, boolean shipping, long fromSeq) {
        this.journal = journal;
        this.tailer = tailer;
        this.shipping = shipping;
        seekTo(shipping ? journal.queue().tableStoreGet(NEXT_SEQ_KEY) : fromSeq);
    }

    /**
     * Moves so that {@link #next()} returns {@code seq} next (the target's resume seq + 1 after a
     * reconnect). A seq already released is moved up to the first retained one.
     */
    public void seekTo(long seq) {
        // One read of the pair: the journal's owner may release meanwhile (a handshake's resume point releases what
        // lost acks had not), and an index of that release with the released seq of the one before would have the
        // gate expect a seq the tailer is already past: every entry would be skipped as ahead, nothing shipped.
        RetentionMark retention = journal.retention();
        long firstRetained = retention.releasedSeq() + 1;
        long target = Math.max(seq, firstRetained);
        if (retention.index() == RetentionMark.NO_INDEX) {
            tailer.toStart();
        } else {
            tailer.moveToIndex(retention.index());
        }
        gate = new SequenceGate(journal.config().frameLimits(), retention.releasedSeq() == 0 && seq <= 0 ? 0
                : firstRetained);
        while (gate.expectedSeq() == 0 || gate.expectedSeq() < target) {
            WriteRecord skipped = read(true, target);
            if (skipped == null) {
                break;
            }
            skipped.release();
        }
        if (shipping) {
            journal.queue().tableStorePut(NEXT_SEQ_KEY, Math.max(gate.expectedSeq(), target));
        }
    }

    /** The next durable record in seq order (the caller releases it), or null when there is none yet. */
    public WriteRecord next() {
        WriteRecord record = read(false, Long.MAX_VALUE);
        if (record != null && shipping) {
            journal.queue().tableStorePut(NEXT_SEQ_KEY, record.seq() + 1);
            CrashPoint.reached(CrashPoint.Point.SOURCE_TAILER_ADVANCED);
        }
        return record;
    }

    /** Seq {@link #next()} will return next. */
    public long nextSeq() {
        return gate.expectedSeq();
    }

    /** Reads the next accepted entry below {@code limitSeq} and durable, skipping leftovers; leaves others unread. */
    private WriteRecord read(boolean seeking, long limitSeq) {
        while (true) {
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    return null;
                }
                SequenceGate.Inspection inspection = gate.inspect(dc.wire().bytes());
                switch (inspection.verdict()) {
                    case ACCEPTED -> {
                        WriteRecord record = inspection.record();
                        if (record.seq() >= limitSeq || record.seq() > journal.durableSeq()) {
                            record.release();
                            dc.rollbackOnClose();
                            if (gate.expectedSeq() == 0) {
                                gate.advance(record.seq() - 1); // a fresh journal starts at its first seq
                            }
                            return null;
                        }
                        gate.advance(record.seq());
                        return record;
                    }
                    case BEHIND -> { }
                    case AHEAD, CORRUPT -> {
                        if (!seeking && shipping) {
                            journal.countSkipped(inspection, dc.index());
                        }
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        tailer.close();
    }
}
