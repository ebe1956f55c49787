package io.datamover.tap.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.AbstractReferenceCounted;

/**
 * One transmission-phase request. Owns its WRITE payload (a retained slice of the inbound buffer), released with
 * the request unless handed on. {@code payloadDiscarded} marks a WRITE whose payload was too long to accept: the
 * decoder skipped it and the request must be answered with an error.
 */
final class NbdRequest extends AbstractReferenceCounted {

    final int flags;
    final int type;
    final long cookie;
    final long offset;
    /** Unsigned 32-bit length, as a long. */
    final long length;
    final boolean payloadDiscarded;
    private ByteBuf payload;

    NbdRequest(int flags, int type, long cookie, long offset, long length, ByteBuf payload, boolean payloadDiscarded) {
        this.flags = flags;
        this.type = type;
        this.cookie = cookie;
        this.offset = offset;
        this.length = length;
        this.payload = payload;
        this.payloadDiscarded = payloadDiscarded;
    }

    /** The WRITE payload (empty for other commands); still owned by this request. */
    ByteBuf payload() {
        return payload;
    }

    /** Hands the payload on: the caller owns it and this request no longer releases it. */
    ByteBuf takePayload() {
        ByteBuf taken = payload;
        payload = Unpooled.EMPTY_BUFFER;
        return taken;
    }

    boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    @Override
    protected void deallocate() {
        payload.release();
    }

    @Override
    public NbdRequest touch(Object hint) {
        payload.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return Nbd.commandName(type) + "(flags=" + flags + ", offset=" + Long.toUnsignedString(offset) + ", length=" + length + ")";
    }
}
