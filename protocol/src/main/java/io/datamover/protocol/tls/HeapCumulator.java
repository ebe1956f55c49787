package io.datamover.protocol.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Gathers the bytes a JDK {@code SSLEngine} decrypts in heap memory. The engine decrypts each record in place in the
 * buffer it is handed, and the JDK's AES-GCM does that on a direct buffer 512 bytes at a time, copying each piece to
 * an array and back; on an array it works in one pass. Netty 4.2 hands the engine heap copies only on JDK 22 to 24,
 * the socket's direct buffers as they are on JDK 25. One copy of each read into a heap cumulation costs less than the
 * piecewise decryption (docs/benchmarks.md, "TLS stream").
 */
final class HeapCumulator implements ByteToMessageDecoder.Cumulator {
    static final HeapCumulator INSTANCE = new HeapCumulator();

    private HeapCumulator() {}

    @Override
    public ByteBuf cumulate(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        try {
            int required = in.readableBytes();
            if (cumulation.hasArray() && cumulation.refCnt() == 1 && !cumulation.isReadOnly()
                    && required <= cumulation.maxFastWritableBytes()) {
                return cumulation.writeBytes(in);
            }
            // Shared, read-only, direct or full: a new heap buffer with room for more reads.
            ByteBuf next = alloc.heapBuffer(
                    alloc.calculateNewCapacity(cumulation.readableBytes() + required, Integer.MAX_VALUE));
            // By index: a holder of the old cumulation keeps its reader index.
            next.writeBytes(cumulation, cumulation.readerIndex(), cumulation.readableBytes()).writeBytes(in);
            cumulation.release();
            return next;
        } finally {
            in.release();
        }
    }
}
