package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * Online verify's repair, source gateway -> tap: resync these ranges of one disk (they were found different from the
 * replica); the tap marks them dirty and pinned, makes that durable and resyncs them with its usual region resync.
 * Answered by a {@link VerifyAnswer} with no digest once the ranges are durably marked. Only after HELLO_ACK. More
 * ranges than {@link #MAX_RANGES} go in several frames.
 *
 * <p>Layout: requestId u64, cg u32, disk u32, rangeCount u32 (1 to {@link #MAX_RANGES}), then rangeCount times
 * (offset u64, length u64 >= 1).
 */
public record VerifyRepair(long requestId, int cg, int disk, List<Range> ranges) implements Frame {
    /** 1,024 ranges of 16 bytes: a frame of about 16 KiB at most. */
    public static final int MAX_RANGES = 1024;

    /** {@code length} bytes from {@code offset}. */
    public record Range(long offset, long length) {
        public Range {
            if (offset < 0 || length <= 0 || offset + length < 0) {
                throw new IllegalArgumentException("bad range: offset " + offset + ", length " + length);
            }
        }
    }

    public VerifyRepair {
        ranges = List.copyOf(ranges);
        if (requestId < 0) {
            throw new IllegalArgumentException("requestId must not be negative");
        }
        if (ranges.isEmpty() || ranges.size() > MAX_RANGES) {
            throw new IllegalArgumentException("a repair names 1 to " + MAX_RANGES + " ranges, got " + ranges.size());
        }
    }

    @Override
    public FrameType type() {
        return FrameType.VERIFY_REPAIR;
    }

    void writeBody(ByteBuf out) {
        out.writeLong(requestId);
        out.writeInt(cg);
        out.writeInt(disk);
        out.writeInt(ranges.size());
        for (Range range : ranges) {
            out.writeLong(range.offset());
            out.writeLong(range.length());
        }
    }

    static VerifyRepair readBody(FieldReader r) throws ProtocolException {
        long requestId = r.positiveU64("requestId");
        int cg = r.bits32("cg");
        int disk = r.bits32("disk");
        int count = r.u32AsInt("rangeCount");
        if (count < 1 || count > MAX_RANGES) {
            throw r.malformed("rangeCount " + count + " is not 1 to " + MAX_RANGES);
        }
        List<Range> ranges = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ranges.add(new Range(r.positiveU64("offset"), r.positiveU64("length")));
        }
        return new VerifyRepair(requestId, cg, disk, ranges);
    }
}
