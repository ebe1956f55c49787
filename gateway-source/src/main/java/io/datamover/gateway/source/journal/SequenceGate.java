package io.datamover.gateway.source.journal;

import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameCodec;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.ReferenceCountedFrames;
import io.datamover.protocol.Wire;
import io.datamover.protocol.WriteRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import net.openhft.chronicle.bytes.Bytes;

/**
 * Decides which journal entries belong to the gap-free sequence, walking forward from a known
 * expected seq. Recovery, release and the reader all walk the journal through a gate, so they
 * agree on what the journal holds.
 *
 * <p>Why a gate and not just "every entry": after a machine crash, entries written after the last
 * sync may be torn (bad CRC) or stale (an intact entry behind a torn one). Recovery keeps only the
 * valid prefix and appends continue after it, so such leftovers stay in the file behind new
 * entries. A leftover is either corrupt or carries a seq other than the expected one, so the gate
 * skips it; nothing out of order is ever handed on.
 */
final class SequenceGate {
    enum Verdict {
        /** Valid and the expected seq. */
        ACCEPTED,
        /** Valid but already passed (released or delivered before a restart): skip quietly. */
        BEHIND,
        /** Valid but beyond the expected seq: a leftover of a torn tail. */
        AHEAD,
        /** Does not decode as a write record (CRC, framing): a leftover of a torn tail. */
        CORRUPT
    }

    /** What the gate says of one entry; {@code record} is set (and owned by the caller) only when ACCEPTED. */
    record Inspection(Verdict verdict, WriteRecord record, String problem) {}

    private final FrameLimits limits;
    private long expectedSeq;

    /** @param expectedSeq the next seq to accept, or 0 to accept whatever valid entry comes first */
    SequenceGate(FrameLimits limits, long expectedSeq) {
        this.limits = limits;
        this.expectedSeq = expectedSeq;
    }

    long expectedSeq() {
        return expectedSeq;
    }

    /** Judges the entry without moving the gate; call {@link #advance} to take an ACCEPTED one. */
    Inspection inspect(Bytes<?> document) {
        if (document.readRemaining() > Wire.HEADER_LENGTH + (long) limits.maxPayloadBytes()) {
            return new Inspection(Verdict.CORRUPT, null, "an entry of " + document.readRemaining()
                    + " bytes, over the frame limit");
        }
        ByteBuf entry = copy(document);
        Frame frame;
        try {
            frame = FrameCodec.decodeComplete(entry, limits);
        } catch (ProtocolException e) {
            return new Inspection(Verdict.CORRUPT, null, e.getMessage());
        } finally {
            entry.release(); // a decoded frame holds its own retained slice
        }
        if (!(frame instanceof WriteRecord record)) {
            ReferenceCountedFrames.release(frame);
            return new Inspection(Verdict.CORRUPT, null, "a " + frame.type() + " frame in the journal");
        }
        if (expectedSeq == 0 || record.seq() == expectedSeq) {
            return new Inspection(Verdict.ACCEPTED, record, null);
        }
        long seq = record.seq();
        record.release();
        return seq < expectedSeq
                ? new Inspection(Verdict.BEHIND, null, null)
                : new Inspection(Verdict.AHEAD, null, "seq " + seq + " where " + expectedSeq + " was expected");
    }

    void advance(long acceptedSeq) {
        expectedSeq = acceptedSeq + 1;
    }

    private static ByteBuf copy(Bytes<?> document) {
        int length = Math.toIntExact(document.readRemaining());
        ByteBuf entry = Unpooled.buffer(length, length);
        document.read(entry.array(), entry.arrayOffset(), length);
        entry.writerIndex(length);
        return entry;
    }
}
