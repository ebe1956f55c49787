package io.datamover.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Asks for the SHA-256 digests of {@code count} consecutive regions of one disk, for an online verify
 * (docs/operations.md, "Online verify"): a source gateway asks its tap (the source disk, read now) and its target
 * gateway (the replica, read once it applied at least {@code minSeq}; a tap ignores it). Answered by a
 * {@link VerifyAnswer} with the same {@code requestId}. Only after HELLO_ACK: only the pair's authenticated peers
 * exchange it.
 *
 * <p>Layout: requestId u64, cg u32, disk u32, offset u64 (a multiple of regionBytes), regionBytes u32 (a power of two
 * from 4 KiB to {@link #MAX_SPAN_BYTES}), count u32 (1 to {@link #MAX_REGIONS}; count x regionBytes at most
 * {@link #MAX_SPAN_BYTES}), minSeq u64.
 */
public record VerifyRequest(long requestId, int cg, int disk, long offset, int regionBytes, int count, long minSeq)
        implements Frame {
    /** Regions per request, and so digests per answer. */
    public static final int MAX_REGIONS = 64;
    /** Bytes one request has a site read at most: one buffer there, whatever the disk. */
    public static final int MAX_SPAN_BYTES = 8 << 20;
    static final int MIN_REGION_BYTES = 4096;

    public VerifyRequest {
        if (requestId < 0 || offset < 0 || minSeq < 0) {
            throw new IllegalArgumentException("requestId, offset and minSeq must not be negative");
        }
        if (regionBytes < MIN_REGION_BYTES || regionBytes > MAX_SPAN_BYTES || Integer.bitCount(regionBytes) != 1) {
            throw new IllegalArgumentException("regionBytes must be a power of two from " + MIN_REGION_BYTES + " to "
                    + MAX_SPAN_BYTES + ", got " + regionBytes);
        }
        if (count < 1 || count > MAX_REGIONS || (long) count * regionBytes > MAX_SPAN_BYTES) {
            throw new IllegalArgumentException("count must be 1 to " + MAX_REGIONS + " regions of at most "
                    + MAX_SPAN_BYTES + " bytes together, got " + count + " x " + regionBytes);
        }
        if (offset % regionBytes != 0) {
            throw new IllegalArgumentException("offset " + offset + " is not a multiple of the region size "
                    + regionBytes);
        }
    }

    @Override
    public FrameType type() {
        return FrameType.VERIFY_REQUEST;
    }

    void writeBody(ByteBuf out) {
        out.writeLong(requestId);
        out.writeInt(cg);
        out.writeInt(disk);
        out.writeLong(offset);
        out.writeInt(regionBytes);
        out.writeInt(count);
        out.writeLong(minSeq);
    }

    static VerifyRequest readBody(FieldReader r) throws ProtocolException {
        return new VerifyRequest(r.positiveU64("requestId"), r.bits32("cg"), r.bits32("disk"), r.positiveU64("offset"),
                r.u32AsInt("regionBytes"), r.u32AsInt("count"), r.positiveU64("minSeq"));
    }
}
