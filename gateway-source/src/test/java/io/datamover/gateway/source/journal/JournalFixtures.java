package io.datamover.gateway.source.journal;

import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.WriteRecord;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/** Records with payloads derived from their seq, so a read-back can be checked byte for byte. */
public final class JournalFixtures {
    private JournalFixtures() {}

    static byte[] payloadOf(long seq, int length) {
        byte[] bytes = new byte[length];
        byte[] tag = ("seq-" + seq + ";").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < length; i++) {
            bytes[i] = tag[i % tag.length];
        }
        return bytes;
    }

    public static WriteRecord data(long seq, int length) {
        return new WriteRecord(7, 1_000 + seq, seq % 2 == 0,
                BlockWrite.data(seq, 1, seq * 4096, Unpooled.wrappedBuffer(payloadOf(seq, length))));
    }

    static WriteRecord trim(long seq) {
        return new WriteRecord(7, 1_000 + seq, seq % 2 == 0, BlockWrite.range(seq, 1, 0, 4096, RecordKind.TRIM));
    }

    /** Appends {@code record} and releases it: the journal never takes ownership. */
    static AppendResult appendAndRelease(Journal journal, WriteRecord record)
            throws OutOfSequenceException, JournalWriteException {
        try {
            return journal.append(record);
        } finally {
            record.release();
        }
    }

    /** A clock tests move by hand (Chronicle rolls cycle files by it). */
    public static final class ManualClock implements InstantSource {
        private final AtomicLong millis = new AtomicLong(Instant.parse("2026-11-22T00:00:00Z").toEpochMilli());

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }

        void advanceMinutes(long minutes) {
            millis.addAndGet(minutes * 60_000);
        }

        public void advance(java.time.Duration by) {
            millis.addAndGet(by.toMillis());
        }
    }
}
