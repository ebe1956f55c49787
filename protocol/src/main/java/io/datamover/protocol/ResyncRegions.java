package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;

/**
 * The block ranges a discard of the replica's data ({@code datamover resync --discard replica}) requires to be
 * resynced: those the replica was written in after the point the two histories share. A target gateway sends it to
 * its source right after the HELLO_ACK that took the discarding generation (and after each later HELLO_ACK until the
 * resync ends); a source gateway sends it to its tap right before the ERROR RESYNC_REQUIRED that asks for the
 * resync. {@code everything} (with no range) asks for the whole disks: what was written is not known, or does not fit
 * in {@link #MAX_RANGES}.
 *
 * <p>Layout: cg u32, everything u8 (0 or 1), rangeCount u32 (at most {@link #MAX_RANGES}; 0 when everything), then
 * rangeCount times (disk u32, offset u64, length u64).
 */
public record ResyncRegions(int cg, boolean everything, List<Range> ranges) implements Frame {
    /**
     * 1,024 ranges of 20 bytes: a 20 KiB frame at most, within the bound a tap holds frames to before HELLO_ACK
     * ({@link FrameLimits#HANDSHAKE}). More are sent as {@code everything}.
     */
    public static final int MAX_RANGES = 1024;
    static final int RANGE_BYTES = 4 + 8 + 8;

    /** {@code length} bytes of disk {@code disk} from {@code offset}. */
    public record Range(int disk, long offset, long length) {
        public Range {
            if (offset < 0 || length <= 0 || offset + length < 0) {
                throw new IllegalArgumentException("bad range: offset " + offset + ", length " + length);
            }
        }
    }

    public ResyncRegions {
        ranges = List.copyOf(ranges);
        if (everything && !ranges.isEmpty()) {
            throw new IllegalArgumentException("a resync of everything lists no range");
        }
        if (ranges.size() > MAX_RANGES) {
            throw new IllegalArgumentException(ranges.size() + " ranges, at most " + MAX_RANGES);
        }
    }

    /** The whole disks of group {@code cg}. */
    public static ResyncRegions everything(int cg) {
        return new ResyncRegions(cg, true, List.of());
    }

    /** {@code ranges} of group {@code cg}, or the whole disks when they are more than {@link #MAX_RANGES}. */
    public static ResyncRegions of(int cg, List<Range> ranges) {
        return ranges.size() > MAX_RANGES ? everything(cg) : new ResyncRegions(cg, false, ranges);
    }

    /** Bytes the ranges cover; -1 for everything. */
    public long bytes() {
        return everything ? -1 : ranges.stream().mapToLong(Range::length).sum();
    }

    /** This frame, encoded whole (header and CRC): how a gateway keeps it in a file. */
    public byte[] toBytes() {
        ByteBuf out = Unpooled.buffer();
        FrameCodec.encode(this, out);
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        return bytes;
    }

    /** The frame {@link #toBytes} made, checked (CRC, bounds) as on the wire. */
    public static ResyncRegions fromBytes(byte[] bytes) throws ProtocolException {
        if (FrameCodec.decodeComplete(Unpooled.wrappedBuffer(bytes), FrameLimits.DEFAULT)
                instanceof ResyncRegions regions) {
            return regions;
        }
        throw new ProtocolException(ErrorCode.MALFORMED, "not a RESYNC_REGIONS frame");
    }

    @Override
    public FrameType type() {
        return FrameType.RESYNC_REGIONS;
    }

    void writeBody(ByteBuf out) {
        out.writeInt(cg);
        out.writeByte(everything ? 1 : 0);
        out.writeInt(ranges.size());
        for (Range r : ranges) {
            out.writeInt(r.disk());
            out.writeLong(r.offset());
            out.writeLong(r.length());
        }
    }

    static ResyncRegions readBody(FieldReader r) throws ProtocolException {
        int cg = r.bits32("cg");
        int everything = r.u8("everything");
        if (everything > 1) {
            throw r.malformed("everything must be 0 or 1, got " + everything);
        }
        int count = r.u32AsInt("rangeCount");
        if (count > MAX_RANGES) {
            throw r.malformed("rangeCount " + count + " is more than " + MAX_RANGES);
        }
        java.util.ArrayList<Range> ranges = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ranges.add(new Range(r.bits32("disk"), r.positiveU64("offset"), r.positiveU64("length")));
        }
        return new ResyncRegions(cg, everything == 1, ranges);
    }
}
