package io.datamover.protocol;

import io.netty.buffer.ByteBuf;

/**
 * A guest write as the tap recorded it: its consistency group, the time the tap took it, and the
 * {@link BlockWrite} itself (seq, disk, range, kind, payload CRC, payload). Header flag
 * {@link Wire#FLAG_FUA} says the guest asked for it to be durable.
 *
 * <p>Layout: cg u32, timestampMicros u64, then the {@link BlockWrite} layout.
 */
public record WriteRecord(int cg, long timestampMicros, boolean fua, BlockWrite write) implements Frame, PayloadHolder {
    static final int FIXED_LENGTH = 4 + 8 + BlockWrite.FIXED_LENGTH;

    public WriteRecord {
        if (timestampMicros < 0 || write == null) {
            throw new IllegalArgumentException("a write and a non-negative timestamp are required");
        }
    }

    @Override
    public FrameType type() {
        return FrameType.WRITE_RECORD;
    }

    @Override
    public int flags() {
        return fua ? Wire.FLAG_FUA : 0;
    }

    public long seq() {
        return write.seq();
    }

    @Override
    public ByteBuf ownedBuffer() {
        return write.payload();
    }

    void writeFixed(ByteBuf out) {
        out.writeInt(cg);
        out.writeLong(timestampMicros);
        write.writeFixed(out);
    }

    static WriteRecord readBody(FieldReader r, int flags) throws ProtocolException {
        int cg = r.bits32("cg");
        long timestamp = r.positiveU64("timestampMicros");
        BlockWrite write = BlockWrite.read(r);
        return new WriteRecord(cg, timestamp, (flags & Wire.FLAG_FUA) != 0, write);
    }
}
