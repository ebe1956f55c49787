package io.datamover.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Keeps an idle connection proven alive and tells the peer how far the sender has got, so lag in
 * records is known even when nothing flows.
 *
 * <p>Layout: sentAtMicros u64, lastSeq u64.
 */
public record Heartbeat(long sentAtMicros, long lastSeq) implements Frame {
    public Heartbeat {
        if (sentAtMicros < 0 || lastSeq < 0) {
            throw new IllegalArgumentException("time and seq must not be negative");
        }
    }

    @Override
    public FrameType type() {
        return FrameType.HEARTBEAT;
    }

    void writeBody(ByteBuf out) {
        out.writeLong(sentAtMicros);
        out.writeLong(lastSeq);
    }

    static Heartbeat readBody(FieldReader r) throws ProtocolException {
        return new Heartbeat(r.positiveU64("sentAtMicros"), r.positiveU64("lastSeq"));
    }
}
