package io.datamover.tap.nbd;

import io.datamover.protocol.Crc32c;
import io.datamover.tap.replication.ConsistencyGroup;
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
    /** CRC32C of the payload bytes that arrived so far, when {@link #payloadArrived} followed every one. */
    private int payloadCrc;
    private boolean payloadCrcTaken;

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

    /**
     * The last {@code length} bytes of the payload have just arrived (received or copied into it): their CRC32C is
     * taken now, while they are in the CPU's cache, so the record to the gateway needs no second pass over them.
     * Every byte of the payload must arrive through here for {@link #payloadCrc} to be known.
     */
    void payloadArrived(int length) {
        int end = payload.writerIndex();
        payloadCrc = Crc32c.combine(payloadCrc, Crc32c.of(payload, end - length, length), length);
        payloadCrcTaken = true;
    }

    /**
     * The payload's CRC32C as an unsigned value, or {@link ConsistencyGroup.OrderedWrite#CRC_NOT_TAKEN} when it was
     * not taken as the bytes arrived (a payload that lives only until its local write).
     */
    long payloadCrc() {
        return payloadCrcTaken ? Integer.toUnsignedLong(payloadCrc) : ConsistencyGroup.OrderedWrite.CRC_NOT_TAKEN;
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
