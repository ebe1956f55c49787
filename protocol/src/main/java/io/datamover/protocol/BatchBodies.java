package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Builds batch bodies (entries back to back, LZ4 when it pays) and opens them again with every
 * claim checked: the declared uncompressed length against the limit before anything is allocated,
 * the decompressed length against the claim, the CRC, and each entry's fields.
 */
public final class BatchBodies {
    private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();
    private static final LZ4Compressor COMPRESSOR = LZ4.fastCompressor();
    /** The safe decompressor never reads or writes outside the buffers it is given. */
    private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4.safeDecompressor();

    private BatchBodies() {}

    /** What a batch frame needs besides its seq range and timestamps. */
    public record Body(Compression compression, int uncompressedLength, int crc, ByteBuf bytes) {}

    /**
     * Encodes {@code entries} into a body, LZ4-compressed when {@code allowLz4} and compression
     * saves at least an eighth. The entries are not released; the caller owns the returned bytes.
     */
    public static Body build(List<BlockWrite> entries, boolean allowLz4, ByteBufAllocator alloc) {
        int length = 0;
        for (BlockWrite e : entries) {
            length = Math.addExact(length, e.encodedLength());
        }
        ByteBuf raw = alloc.directBuffer(length, length);
        for (BlockWrite e : entries) {
            e.writeFixed(raw);
            raw.writeBytes(e.payload(), e.payload().readerIndex(), e.payload().readableBytes());
        }
        int crc = Crc32c.of(raw);
        if (!allowLz4 || length == 0) {
            return new Body(Compression.NONE, length, crc, raw);
        }
        int bound = COMPRESSOR.maxCompressedLength(length);
        ByteBuf compressed = alloc.directBuffer(bound, bound);
        try {
            int n = COMPRESSOR.compress(raw.nioBuffer(), 0, length, compressed.nioBuffer(0, bound), 0, bound);
            if (n <= length - length / 8) {
                compressed.writerIndex(n);
                raw.release();
                return new Body(Compression.LZ4, length, crc, compressed);
            }
        } catch (RuntimeException e) {
            compressed.release();
            raw.release();
            throw e;
        }
        compressed.release();
        return new Body(Compression.NONE, length, crc, raw);
    }

    /** A batch frame around a built body; takes ownership of the body bytes. */
    public static Batch frame(int cg, long firstSeq, long lastSeq, int entryCount, long oldestMicros, long newestMicros,
            Body body) {
        return new Batch(cg, firstSeq, lastSeq, entryCount, oldestMicros, newestMicros, body.compression(),
                body.uncompressedLength(), body.crc(), body.bytes());
    }

    /**
     * Decompresses and checks the body of {@code batch} and returns its entries in order, each
     * owning a retained slice of the body: the caller releases every entry. The batch itself is
     * not released.
     */
    public static List<BlockWrite> open(Batch batch, FrameLimits limits, ByteBufAllocator alloc)
            throws ProtocolException {
        ByteBuf raw = uncompressed(batch, limits, alloc);
        try {
            int crc = Crc32c.of(raw);
            if (crc != batch.bodyCrc()) {
                throw new ProtocolException(ErrorCode.CRC_MISMATCH, "batch [" + batch.firstSeq() + ", "
                        + batch.lastSeq() + "] body CRC32C " + Integer.toHexString(crc) + " != declared "
                        + Integer.toHexString(batch.bodyCrc()));
            }
            return entries(batch, raw);
        } finally {
            raw.release();
        }
    }

    private static ByteBuf uncompressed(Batch batch, FrameLimits limits, ByteBufAllocator alloc)
            throws ProtocolException {
        int declared = batch.uncompressedLength();
        if (declared > limits.maxBatchBytes()) {
            throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE, "batch declares " + declared
                    + " uncompressed bytes, the limit is " + limits.maxBatchBytes());
        }
        ByteBuf body = batch.body();
        if (batch.compression() == Compression.NONE) {
            return body.retainedSlice();
        }
        ByteBuf out = alloc.directBuffer(declared, declared);
        try {
            ByteBuffer src = body.nioBuffer();
            int n = DECOMPRESSOR.decompress(src, 0, src.remaining(), out.nioBuffer(0, declared), 0, declared);
            if (n != declared) {
                throw new ProtocolException(ErrorCode.BAD_COMPRESSION, "batch declares " + declared
                        + " uncompressed bytes but LZ4 data holds " + n);
            }
            out.writerIndex(n);
            return out;
        } catch (LZ4Exception e) {
            out.release();
            throw new ProtocolException(ErrorCode.BAD_COMPRESSION, "batch LZ4 data is corrupt or longer than the "
                    + declared + " bytes it declares", e);
        } catch (ProtocolException | RuntimeException e) {
            out.release();
            throw e;
        }
    }

    private static List<BlockWrite> entries(Batch batch, ByteBuf raw) throws ProtocolException {
        List<BlockWrite> entries = new ArrayList<>(Math.min(batch.entryCount(), 1024));
        FieldReader r = new FieldReader(raw, FrameType.BATCH);
        long previousSeq = batch.firstSeq() - 1;
        try {
            for (int i = 0; i < batch.entryCount(); i++) {
                BlockWrite e = BlockWrite.read(r);
                entries.add(e);
                if (e.seq() <= previousSeq || e.seq() > batch.lastSeq()) {
                    throw new ProtocolException(ErrorCode.SEQ_GAP, "batch [" + batch.firstSeq() + ", "
                            + batch.lastSeq() + "] entry " + i + " has seq " + e.seq() + " after " + previousSeq);
                }
                previousSeq = e.seq();
            }
            r.expectEnd();
            return entries;
        } catch (ProtocolException | RuntimeException e) {
            entries.forEach(BlockWrite::release);
            throw e;
        }
    }
}
