package io.datamover.tap.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the transmission-phase byte stream into {@link NbdRequest}s. Waits for a whole 28-byte header, checks the
 * magic, and for a WRITE checks the length against the limit <em>before</em> waiting for the payload, so a client
 * never makes the tap buffer more than {@code maxRequestBytes}. An oversized WRITE payload is skipped as it arrives
 * (nothing buffered) and its request still goes up, flagged, to be answered with EINVAL. A bad magic is fatal:
 * the stream can no longer be framed, so the connection is closed.
 *
 * <p>A payload of 64 KiB or more is a retained slice of the socket's read buffers, usually several of them (see
 * the constructor); a smaller one is copied, so that it does not pin a read buffer many times its size.
 */
final class NbdRequestDecoder extends ByteToMessageDecoder {

    private final long maxRequestBytes;
    private final ProtocolErrors errors;
    private long bytesToDiscard;
    private boolean corrupted;

    /** Payloads smaller than this are copied out of the read buffers (see {@link #payload}). */
    static final int COPY_BELOW_BYTES = 64 * 1024;

    NbdRequestDecoder(long maxRequestBytes, ProtocolErrors errors) {
        this.maxRequestBytes = maxRequestBytes;
        this.errors = errors;
        // A WRITE payload (up to 32 MiB) arrives in many socket reads and its slice lives on until the gateway
        // acknowledges the record. Merging would copy every read into one buffer, and copy again whenever a slice
        // still holds that buffer; a composite keeps the read buffers themselves: no copy of the payload here.
        setCumulator(COMPOSITE_CUMULATOR);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (corrupted) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (bytesToDiscard > 0) {
            int skip = (int) Math.min(bytesToDiscard, in.readableBytes());
            in.skipBytes(skip);
            bytesToDiscard -= skip;
            return;
        }
        if (in.readableBytes() < Nbd.REQUEST_HEADER_BYTES) {
            return;
        }
        int start = in.readerIndex();
        int magic = in.getInt(start);
        if (magic != Nbd.REQUEST_MAGIC) {
            corrupted = true;
            in.skipBytes(in.readableBytes());
            errors.fatal(ctx, "bad_request_magic", "request magic 0x" + Integer.toHexString(magic));
            return;
        }
        int flags = in.getUnsignedShort(start + 4);
        int type = in.getUnsignedShort(start + 6);
        long cookie = in.getLong(start + 8);
        long offset = in.getLong(start + 16);
        long length = in.getUnsignedInt(start + 24);
        if (type != Nbd.CMD_WRITE) {
            in.skipBytes(Nbd.REQUEST_HEADER_BYTES);
            out.add(new NbdRequest(flags, type, cookie, offset, length, Unpooled.EMPTY_BUFFER, false));
            return;
        }
        if (length > maxRequestBytes) {
            in.skipBytes(Nbd.REQUEST_HEADER_BYTES);
            bytesToDiscard = length;
            out.add(new NbdRequest(flags, type, cookie, offset, length, Unpooled.EMPTY_BUFFER, true));
            return;
        }
        if (in.readableBytes() < Nbd.REQUEST_HEADER_BYTES + length) {
            return;
        }
        ByteBuf payload = payload(ctx, in, start + Nbd.REQUEST_HEADER_BYTES, (int) length);
        in.skipBytes(Nbd.REQUEST_HEADER_BYTES + (int) length);
        out.add(new NbdRequest(flags, type, cookie, offset, length, payload, false));
    }

    /**
     * The payload at {@code index}: a retained slice of the read buffers, or for a small write its own copy, so
     * that a 4 KiB record never keeps a read buffer of up to 1 MiB alive until the gateway's ack: what the window
     * holds stays within about twice its byte count.
     */
    private static ByteBuf payload(ChannelHandlerContext ctx, ByteBuf in, int index, int length) {
        if (length >= COPY_BELOW_BYTES) {
            return in.retainedSlice(index, length);
        }
        return ctx.alloc().directBuffer(length).writeBytes(in, index, length);
    }
}
