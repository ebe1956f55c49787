package io.datamover.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Keeps an idle connection proven alive and tells the peer how far the sender has got, so lag in
 * records is known even when nothing flows.
 *
 * <p>Layout: sentAtMicros u64, lastSeq u64; header flag {@link Wire#FLAG_TAP_PAUSED}.
 *
 * @param tapPaused from a tap: its operator paused replication (header flag, only where {@link Feature#TAP_PAUSE}
 *     was agreed)
 */
public record Heartbeat(long sentAtMicros, long lastSeq, boolean tapPaused) implements Frame {
    public Heartbeat {
        if (sentAtMicros < 0 || lastSeq < 0) {
            throw new IllegalArgumentException("time and seq must not be negative");
        }
    }

    /** A heartbeat that says nothing of a pause: every one but a paused tap's. */
    public Heartbeat(long sentAtMicros, long lastSeq) {
        this(sentAtMicros, lastSeq, false);
    }

    @Override
    public FrameType type() {
        return FrameType.HEARTBEAT;
    }

    @Override
    public int flags() {
        return tapPaused ? Wire.FLAG_TAP_PAUSED : 0;
    }

    void writeBody(ByteBuf out) {
        out.writeLong(sentAtMicros);
        out.writeLong(lastSeq);
    }

    static Heartbeat readBody(FieldReader r, int flags) throws ProtocolException {
        return new Heartbeat(r.positiveU64("sentAtMicros"), r.positiveU64("lastSeq"),
                (flags & Wire.FLAG_TAP_PAUSED) != 0);
    }
}
