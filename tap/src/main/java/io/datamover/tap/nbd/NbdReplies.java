package io.datamover.tap.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Builds transmission-phase replies: simple replies and structured reply chunks. */
final class NbdReplies {

    static final int SIMPLE_HEADER_BYTES = 16;
    static final int STRUCTURED_HEADER_BYTES = 20;
    /** Offset field in front of the data of an OFFSET_DATA chunk. */
    static final int OFFSET_DATA_PREFIX_BYTES = 8;

    private NbdReplies() {
    }

    static ByteBuf simple(ByteBufAllocator alloc, long cookie, int error) {
        ByteBuf reply = alloc.buffer(SIMPLE_HEADER_BYTES);
        return reply.writeInt(Nbd.SIMPLE_REPLY_MAGIC).writeInt(error).writeLong(cookie);
    }

    /** What fills a READ reply's data in place. */
    @FunctionalInterface
    interface ReadSource {
        void read(ByteBuffer dst, long offset) throws IOException;
    }

    /** A whole successful READ reply of {@code length} bytes at {@code offset}, its data filled by {@code source}. */
    static ByteBuf read(ByteBufAllocator alloc, boolean structured, long cookie, long offset, int length,
            ReadSource source) throws IOException {
        ByteBuf reply = readReplyHeader(alloc, structured, cookie, offset, length);
        try {
            source.read(reply.nioBuffer(reply.writerIndex(), length), offset);
            reply.writerIndex(reply.writerIndex() + length);
            ByteBuf done = reply;
            reply = null;
            return done;
        } finally {
            if (reply != null) {
                reply.release();
            }
        }
    }

    /**
     * A buffer holding the header of a successful READ reply with room for {@code length} data bytes after it;
     * the caller fills the data in place (no copy).
     */
    static ByteBuf readReplyHeader(ByteBufAllocator alloc, boolean structured, long cookie, long offset, int length) {
        if (!structured) {
            ByteBuf reply = alloc.directBuffer(SIMPLE_HEADER_BYTES + length);
            return reply.writeInt(Nbd.SIMPLE_REPLY_MAGIC).writeInt(0).writeLong(cookie);
        }
        ByteBuf reply = alloc.directBuffer(STRUCTURED_HEADER_BYTES + OFFSET_DATA_PREFIX_BYTES + length);
        structuredHeader(reply, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_OFFSET_DATA, cookie, OFFSET_DATA_PREFIX_BYTES + length);
        return reply.writeLong(offset);
    }

    /**
     * An error reply: structured (with a message) when structured replies were negotiated, which a READ then
     * requires; simple otherwise.
     */
    static ByteBuf error(ByteBufAllocator alloc, boolean structured, long cookie, int error, String message) {
        if (!structured) {
            return simple(alloc, cookie, error);
        }
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        int textLength = Math.min(text.length, 4096);
        ByteBuf reply = alloc.buffer(STRUCTURED_HEADER_BYTES + 6 + textLength);
        structuredHeader(reply, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_ERROR, cookie, 6 + textLength);
        return reply.writeInt(error).writeShort(textLength).writeBytes(text, 0, textLength);
    }

    /** A BLOCK_STATUS chunk for one context with {@code descriptors} as (length, flags) pairs. */
    static ByteBuf blockStatus(ByteBufAllocator alloc, long cookie, int contextId, long[] lengths, int[] flags, int count) {
        int payload = 4 + 8 * count;
        ByteBuf reply = alloc.buffer(STRUCTURED_HEADER_BYTES + payload);
        structuredHeader(reply, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_BLOCK_STATUS, cookie, payload);
        reply.writeInt(contextId);
        for (int i = 0; i < count; i++) {
            reply.writeInt((int) lengths[i]).writeInt(flags[i]);
        }
        return reply;
    }

    private static void structuredHeader(ByteBuf reply, int flags, int type, long cookie, int length) {
        reply.writeInt(Nbd.STRUCTURED_REPLY_MAGIC).writeShort(flags).writeShort(type).writeLong(cookie).writeInt(length);
    }
}
