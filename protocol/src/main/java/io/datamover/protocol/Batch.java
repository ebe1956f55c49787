package io.datamover.protocol;

import io.netty.buffer.ByteBuf;

/**
 * A contiguous seq range {@code [firstSeq, lastSeq]} of one consistency group, coalesced into
 * {@code entryCount} {@link BlockWrite}s: the unit of shipping and of atomic application.
 * The body is the entries back to back, raw or LZ4-compressed; {@link BatchBodies} builds and opens it.
 *
 * <p>Layout: cg u32, firstSeq u64, lastSeq u64, entryCount u32, oldestTimestampMicros u64,
 * newestTimestampMicros u64, compression u8, uncompressedLength u32, bodyCrc u32 (CRC32C of the
 * uncompressed body), then the body (the rest of the payload).
 *
 * @param oldestTimestampMicros tap time of the oldest write in the batch (what RPO is measured from)
 */
public record Batch(int cg, long firstSeq, long lastSeq, int entryCount, long oldestTimestampMicros,
        long newestTimestampMicros, Compression compression, int uncompressedLength, int bodyCrc, ByteBuf body)
        implements Frame, PayloadHolder {
    static final int FIXED_LENGTH = 4 + 8 + 8 + 4 + 8 + 8 + 1 + 4 + 4;
    /** LZ4 cannot expand data by more than this factor; a larger claim is a lie. */
    static final int LZ4_MAX_RATIO = 255;

    public Batch {
        if (firstSeq < 1 || lastSeq < firstSeq) {
            throw new IllegalArgumentException("bad seq range [" + firstSeq + ", " + lastSeq + "]");
        }
        if (entryCount < 0 || entryCount - 1L > lastSeq - firstSeq) {
            throw new IllegalArgumentException(entryCount + " entries cannot come from seqs ["
                    + firstSeq + ", " + lastSeq + "]");
        }
        if (oldestTimestampMicros < 0 || newestTimestampMicros < oldestTimestampMicros) {
            throw new IllegalArgumentException("bad timestamps " + oldestTimestampMicros + ".." + newestTimestampMicros);
        }
        if (compression == null || body == null || uncompressedLength < 0) {
            throw new IllegalArgumentException("compression, body and a non-negative length are required");
        }
        if (compression == Compression.NONE && body.readableBytes() != uncompressedLength) {
            throw new IllegalArgumentException("raw body has " + body.readableBytes()
                    + " bytes but uncompressedLength says " + uncompressedLength);
        }
        if (compression == Compression.LZ4
                && (body.readableBytes() == 0 || uncompressedLength > (long) body.readableBytes() * LZ4_MAX_RATIO)) {
            throw new IllegalArgumentException("uncompressedLength " + uncompressedLength
                    + " is impossible for " + body.readableBytes() + " LZ4 bytes");
        }
    }

    @Override
    public FrameType type() {
        return FrameType.BATCH;
    }

    @Override
    public ByteBuf ownedBuffer() {
        return body;
    }

    void writeFixed(ByteBuf out) {
        out.writeInt(cg);
        out.writeLong(firstSeq);
        out.writeLong(lastSeq);
        out.writeInt(entryCount);
        out.writeLong(oldestTimestampMicros);
        out.writeLong(newestTimestampMicros);
        out.writeByte(compression.code());
        out.writeInt(uncompressedLength);
        out.writeInt(bodyCrc);
    }

    static Batch readBody(FieldReader r, FrameLimits limits) throws ProtocolException {
        int cg = r.bits32("cg");
        long first = r.positiveU64("firstSeq");
        long last = r.positiveU64("lastSeq");
        int entryCount = r.u32AsInt("entryCount");
        long oldest = r.positiveU64("oldestTimestampMicros");
        long newest = r.positiveU64("newestTimestampMicros");
        int compressionCode = r.u8("compression");
        Compression compression = Compression.fromCode(compressionCode);
        if (compression == null) {
            throw new ProtocolException(ErrorCode.BAD_COMPRESSION, "unknown batch compression " + compressionCode);
        }
        int uncompressed = r.u32AsInt("uncompressedLength");
        if (uncompressed > limits.maxBatchBytes()) {
            throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE, "batch declares " + uncompressed
                    + " uncompressed bytes, the limit is " + limits.maxBatchBytes());
        }
        int bodyCrc = r.bits32("bodyCrc");
        if (compression == Compression.LZ4 && uncompressed > (long) r.remaining() * LZ4_MAX_RATIO) {
            throw new ProtocolException(ErrorCode.BAD_COMPRESSION, "batch declares " + uncompressed
                    + " uncompressed bytes for " + r.remaining() + " LZ4 bytes, more than LZ4 can expand");
        }
        ByteBuf body = r.retainedBytes(r.remaining(), "body");
        return r.buildOwning(body,
                () -> new Batch(cg, first, last, entryCount, oldest, newest, compression, uncompressed, bodyCrc, body));
    }
}
