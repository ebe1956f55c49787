package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * A value that owns one buffer: retaining or releasing the value retains or releases the buffer,
 * so Netty's {@code ReferenceCountUtil} and {@code SimpleChannelInboundHandler} manage frames
 * that carry payloads like any other message.
 */
public interface PayloadHolder extends ReferenceCounted {
    /** The owned buffer (an empty buffer when there is no payload). */
    ByteBuf ownedBuffer();

    @Override
    default int refCnt() {
        return ownedBuffer().refCnt();
    }

    @Override
    default PayloadHolder retain() {
        ownedBuffer().retain();
        return this;
    }

    @Override
    default PayloadHolder retain(int increment) {
        ownedBuffer().retain(increment);
        return this;
    }

    @Override
    default PayloadHolder touch() {
        ownedBuffer().touch();
        return this;
    }

    @Override
    default PayloadHolder touch(Object hint) {
        ownedBuffer().touch(hint);
        return this;
    }

    @Override
    default boolean release() {
        return ownedBuffer().release();
    }

    @Override
    default boolean release(int decrement) {
        return ownedBuffer().release(decrement);
    }
}
