package io.datamover.protocol;

import io.netty.buffer.ByteBuf;

/**
 * A durability point (the guest's FLUSH): every record of the group up to {@code seq} was durable
 * on the source disk when the guest's flush completed. Not data; seq 0 means before any write.
 *
 * <p>Layout: cg u32, seq u64, timestampMicros u64.
 */
public record Flush(int cg, long seq, long timestampMicros) implements Frame {
    public Flush {
        if (seq < 0 || timestampMicros < 0) {
            throw new IllegalArgumentException("seq and timestamp must not be negative");
        }
    }

    @Override
    public FrameType type() {
        return FrameType.FLUSH;
    }

    void writeBody(ByteBuf out) {
        out.writeInt(cg);
        out.writeLong(seq);
        out.writeLong(timestampMicros);
    }

    static Flush readBody(FieldReader r) throws ProtocolException {
        return new Flush(r.bits32("cg"), r.positiveU64("seq"), r.positiveU64("timestampMicros"));
    }
}
