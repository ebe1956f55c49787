package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * One write to one disk: the part of a write record that a batch keeps after coalescing.
 *
 * <p>Layout (29 bytes + payload): seq u64, disk u32, offset u64, length u32, kind u8,
 * payloadCrc u32, then {@code length} payload bytes for DATA (none for ZERO and TRIM, whose
 * payloadCrc is 0).
 *
 * @param payloadCrc CRC32C of the payload, computed at the tap and checked before applying
 * @param payload the bytes for DATA; an empty buffer for ZERO and TRIM. Owned by this value.
 */
public record BlockWrite(long seq, int disk, long offset, int length, RecordKind kind, int payloadCrc, ByteBuf payload)
        implements PayloadHolder {
    static final int FIXED_LENGTH = 8 + 4 + 8 + 4 + 1 + 4;

    public BlockWrite {
        if (seq < 1) {
            throw new IllegalArgumentException("seq must be at least 1, got " + seq);
        }
        if (kind == null || payload == null) {
            throw new IllegalArgumentException("kind and payload are required");
        }
        if (kind.isMarker() ? offset != 0 || length != 0
                : offset < 0 || length < 1 || offset > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException("bad range for " + kind + ": offset " + offset + ", length " + length);
        }
        if (kind.hasPayload()) {
            if (length > Wire.MAX_WRITE_BYTES) {
                throw new IllegalArgumentException("DATA length " + length + " exceeds " + Wire.MAX_WRITE_BYTES);
            }
            if (payload.readableBytes() != length) {
                throw new IllegalArgumentException("DATA length " + length + " but payload has "
                        + payload.readableBytes() + " bytes");
            }
        } else if (payload.isReadable() || payloadCrc != 0) {
            throw new IllegalArgumentException(kind + " carries no payload and a zero payloadCrc");
        }
    }

    /** A DATA write whose CRC is computed here; takes ownership of {@code payload}. */
    public static BlockWrite data(long seq, int disk, long offset, ByteBuf payload) {
        return new BlockWrite(seq, disk, offset, payload.readableBytes(), RecordKind.DATA, Crc32c.of(payload), payload);
    }

    /** A ZERO or TRIM write: a range without payload. */
    public static BlockWrite range(long seq, int disk, long offset, int length, RecordKind kind) {
        return new BlockWrite(seq, disk, offset, length, kind, 0, Unpooled.EMPTY_BUFFER);
    }

    /** A SYNC_BEGIN or SYNC_END marker for {@code disk}. */
    public static BlockWrite marker(long seq, int disk, RecordKind kind) {
        if (!kind.isMarker()) {
            throw new IllegalArgumentException(kind + " is not a marker");
        }
        return new BlockWrite(seq, disk, 0, 0, kind, 0, Unpooled.EMPTY_BUFFER);
    }

    /** True when the payload still matches the CRC taken at the tap (always true without payload). */
    public boolean payloadCrcMatches() {
        return !kind.hasPayload() || Crc32c.of(payload) == payloadCrc;
    }

    public long endOffset() {
        return offset + length;
    }

    @Override
    public ByteBuf ownedBuffer() {
        return payload;
    }

    /** Bytes this write takes in a batch body (fields and payload). */
    public int encodedLength() {
        return FIXED_LENGTH + payload.readableBytes();
    }

    /** Writes every field before the payload; the caller appends the payload (copied or not). */
    void writeFixed(ByteBuf out) {
        out.writeLong(seq);
        out.writeInt(disk);
        out.writeLong(offset);
        out.writeInt(length);
        out.writeByte(kind.code());
        out.writeInt(payloadCrc);
    }

    static BlockWrite read(FieldReader r) throws ProtocolException {
        long seq = r.positiveU64("seq");
        int disk = r.bits32("disk");
        long offset = r.positiveU64("offset");
        int length = r.u32AsInt("length");
        int kindCode = r.u8("kind");
        RecordKind kind = RecordKind.fromCode(kindCode);
        if (kind == null) {
            throw r.malformed("unknown record kind " + kindCode);
        }
        int crc = r.bits32("payloadCrc");
        if (kind.hasPayload() && length > Wire.MAX_WRITE_BYTES) {
            throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE, "DATA length " + length
                    + " exceeds the maximum write of " + Wire.MAX_WRITE_BYTES);
        }
        ByteBuf payload = kind.hasPayload() ? r.retainedBytes(length, "payload") : Unpooled.EMPTY_BUFFER;
        return r.buildOwning(payload, () -> new BlockWrite(seq, disk, offset, length, kind, crc, payload));
    }
}
