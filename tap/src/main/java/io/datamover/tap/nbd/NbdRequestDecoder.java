package io.datamover.tap.nbd;

import io.datamover.tap.buffer.PayloadPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Splits the transmission-phase byte stream into {@link NbdRequest}s. Waits for a whole 28-byte header, checks the
 * magic, and for a WRITE checks the length against the limit <em>before</em> waiting for the payload, so a client
 * never makes the tap buffer more than {@code maxRequestBytes}. An oversized WRITE payload is skipped as it arrives
 * (nothing buffered) and its request still goes up, flagged, to be answered with EINVAL. A bad magic is fatal:
 * the stream can no longer be framed, so the connection is closed.
 *
 * <p>Requests are decoded one at a time, and only while {@code admitting} says the connection has room for one
 * more (see {@code NbdTransmissionHandler}). A socket read can hold thousands of small requests: those beyond the
 * room stay undecoded in the read buffer, the socket is not read again meanwhile, and {@link #decodeHeldRequests}
 * goes on from there once requests complete. So a burst waits, it is never refused, and what waits per connection
 * is at most the last socket read (see {@code NbdServer}'s read size).
 *
 * <p>A payload the tap will keep after its local write (the group streams: the record waits in the sender's window
 * until the gateway's ack) lives in a block of the {@link PayloadPool}, so no read buffer outlives its decode. A
 * payload of 64 KiB or more that the read buffers do not hold whole yet is received into its block: what they hold
 * is copied there, and the next socket reads land in the block itself ({@link #payloadRoom()}, through the
 * connection's {@link PayloadReceiveAllocator}): the socket's copy is the payload's only copy in the tap. A smaller
 * or already whole payload is copied into its block. Otherwise (bitmap mode: the payload lives only until the write) a payload of 64 KiB or
 * more is a retained slice of the socket's read buffers, usually several of them (see the constructor), and a smaller
 * one is copied, so that it does not pin a read buffer many times its size.
 */
final class NbdRequestDecoder extends ByteToMessageDecoder {

    private final long maxRequestBytes;
    private final ProtocolErrors errors;
    private final BooleanSupplier admitting;
    private final PayloadPool pool;
    private final BooleanSupplier payloadsKept;
    private ChannelHandlerContext context;
    private boolean inChannelRead;
    private long bytesToDiscard;
    private boolean corrupted;
    /** The WRITE whose payload is being received into its pool block (its payload so far), or null. */
    private NbdRequest receiving;
    /** The room of that block handed out for the socket's next read, recognised when the read comes back. */
    private ByteBuf offeredRoom;
    /** A payload was just completed by a read into its block (see {@link #takePayloadEnded()}). */
    private boolean payloadEnded;

    /** Payloads smaller than this are copied out of the read buffers (see {@link #payload}). */
    static final int COPY_BELOW_BYTES = 64 * 1024;

    /**
     * {@code admitting}: true while the next handler takes another request; read on the event loop only.
     * {@code payloadsKept}: true while WRITE payloads outlive their local write (copied into {@code pool}).
     */
    NbdRequestDecoder(long maxRequestBytes, ProtocolErrors errors, BooleanSupplier admitting, PayloadPool pool,
            BooleanSupplier payloadsKept) {
        this.maxRequestBytes = maxRequestBytes;
        this.errors = errors;
        this.admitting = admitting;
        this.pool = pool;
        this.payloadsKept = payloadsKept;
        // A WRITE payload (up to 32 MiB) arrives in many socket reads. Merging would copy every read into one buffer
        // before the payload's own copy (or slice) is taken; a composite keeps the read buffers themselves.
        setCumulator(COMPOSITE_CUMULATOR);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        inChannelRead = true;
        try {
            Object rest = receiving != null && msg instanceof ByteBuf bytes ? receivePayload(ctx, bytes) : msg;
            if (rest != null) {
                super.channelRead(ctx, rest);
            }
        } finally {
            inChannelRead = false;
        }
    }

    /**
     * Where the connection's next socket read should land: the rest of the block of the payload being received (a
     * retained slice, empty), or null when no payload is being received. Event loop only.
     */
    ByteBuf payloadRoom() {
        if (receiving == null) {
            return null;
        }
        ByteBuf block = receiving.payload();
        offeredRoom = block.retainedSlice(block.writerIndex(), remaining(receiving)).clear();
        return offeredRoom;
    }

    /**
     * True, once, after a payload was completed by a socket read into its block: the connection may be streaming
     * large writes, and the next read had better stop after the next header. Event loop only.
     */
    boolean takePayloadEnded() {
        boolean ended = payloadEnded;
        payloadEnded = false;
        return ended;
    }

    private static int remaining(NbdRequest write) {
        return (int) write.length - write.payload().readableBytes();
    }

    /**
     * Takes the payload's next bytes from {@code bytes} (owned here): a read that landed in the block only moves its
     * end, any other buffer is copied from. Passes the request on once its payload is whole. Returns what follows
     * the payload in {@code bytes}, or null when nothing does.
     */
    private ByteBuf receivePayload(ChannelHandlerContext ctx, ByteBuf bytes) {
        ByteBuf block = receiving.payload();
        int arrived;
        if (bytes == offeredRoom) {
            offeredRoom = null;
            arrived = bytes.readableBytes();
            block.writerIndex(block.writerIndex() + arrived);
            bytes.skipBytes(arrived);
            payloadEnded = remaining(receiving) == 0;
        } else {
            arrived = Math.min(remaining(receiving), bytes.readableBytes());
            block.writeBytes(bytes, arrived);
        }
        receiving.payloadArrived(arrived);
        if (remaining(receiving) == 0) {
            NbdRequest whole = receiving;
            receiving = null;
            ctx.fireChannelRead(whole);
        }
        if (bytes.isReadable()) {
            return bytes;
        }
        bytes.release();
        return null;
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (receiving != null) {
            receiving.release(); // the connection closed in the middle of the payload
            receiving = null;
        }
    }

    /**
     * Decodes the requests held back in the read buffer while the connection had no room, as far as there is room
     * now. Called on the event loop when a request completes; a call from within a decode is not needed (that
     * decode goes on by itself) and does nothing.
     */
    void decodeHeldRequests() throws Exception {
        if (!inChannelRead && context != null && !context.isRemoved() && context.channel().isActive()
                && internalBuffer().isReadable()) {
            channelRead(context, Unpooled.EMPTY_BUFFER);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (admitting.getAsBoolean()) {
            super.channelReadComplete(ctx);
            return;
        }
        // Requests are held back: no read until there is room. (The superclass asks for one when a read decoded
        // nothing and auto-read is off, which here would buffer the socket's whole backlog.)
        discardSomeReadBytes();
        ctx.fireChannelReadComplete();
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
        if (in.readableBytes() < Nbd.REQUEST_HEADER_BYTES || !admitting.getAsBoolean()) {
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
            receiveInBlock(in, flags, type, cookie, offset, (int) length);
            return;
        }
        boolean kept = payloadsKept.getAsBoolean();
        ByteBuf payload = payload(ctx, in, start + Nbd.REQUEST_HEADER_BYTES, (int) length, kept);
        in.skipBytes(Nbd.REQUEST_HEADER_BYTES + (int) length);
        NbdRequest write = new NbdRequest(flags, type, cookie, offset, length, payload, false);
        if (kept) {
            write.payloadArrived((int) length); // the copy just made
        }
        out.add(write);
    }

    /**
     * Starts receiving a large payload that will be kept into its pool block, when there is one for it: the header is
     * decoded, what {@code in} holds of the payload is copied to the block, and the next reads go to the block.
     * Otherwise the payload waits in the read buffers until it is whole.
     */
    private void receiveInBlock(ByteBuf in, int flags, int type, long cookie, long offset, int length) {
        if (length < COPY_BELOW_BYTES || !payloadsKept.getAsBoolean()) {
            return;
        }
        ByteBuf block = pool.allocate(length);
        if (block == null) {
            return;
        }
        in.skipBytes(Nbd.REQUEST_HEADER_BYTES);
        int arrived = in.readableBytes();
        block.writeBytes(in, arrived);
        receiving = new NbdRequest(flags, type, cookie, offset, length, block, false);
        receiving.payloadArrived(arrived);
    }

    /**
     * The payload at {@code index}. One that will be kept after its write: its copy in a block of the pool (or, when
     * the pool is full, from the allocator). Else a retained slice of the read buffers, or for a small write its own
     * copy, so that a 4 KiB write never keeps a read buffer of up to 1 MiB alive.
     */
    private ByteBuf payload(ChannelHandlerContext ctx, ByteBuf in, int index, int length, boolean kept) {
        if (kept) {
            ByteBuf block = pool.copyOf(in, index, length);
            return block != null ? block : ctx.alloc().directBuffer(length).writeBytes(in, index, length);
        }
        if (length >= COPY_BELOW_BYTES && pinnedBytes(in, index, length) <= 2L * length) {
            return in.retainedSlice(index, length);
        }
        return ctx.alloc().directBuffer(length).writeBytes(in, index, length);
    }

    /**
     * The memory a slice of {@code [index, index + length)} would keep alive: the whole capacity of every read buffer
     * it touches. A read that filled a small part of a 1 MiB buffer would otherwise pin the whole buffer for a 64 KiB
     * write (when such slices were kept until the gateway's ack, a full window of them exhausted the tap's direct
     * memory with a slow link).
     */
    private static long pinnedBytes(ByteBuf in, int index, int length) {
        if (!(in instanceof CompositeByteBuf composite)) {
            return in.unwrap() == null ? in.capacity() : in.unwrap().capacity();
        }
        long pinned = 0;
        int last = composite.toComponentIndex(index + length - 1);
        for (int i = composite.toComponentIndex(index); i <= last; i++) {
            ByteBuf component = composite.component(i);
            pinned += component.unwrap() == null ? component.capacity() : component.unwrap().capacity();
        }
        return pinned;
    }
}
