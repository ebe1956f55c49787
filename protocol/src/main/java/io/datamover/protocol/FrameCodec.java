package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import java.util.zip.CRC32C;

/**
 * Encodes frames to bytes and decodes them back, checking the header (magic, version, type,
 * flags, length bound), the CRC and every field before a frame is returned. Stateless.
 */
public final class FrameCodec {
    private FrameCodec() {}

    /** Writes the whole frame into {@code out}, payload bytes copied. */
    public static void encode(Frame frame, ByteBuf out) {
        ByteBuf trailing = encodeHead(frame, out);
        if (trailing != null) {
            out.writeBytes(trailing, trailing.readerIndex(), trailing.readableBytes());
        }
    }

    /**
     * Writes the header and every field that precedes the frame's bulk bytes into {@code out}, with
     * length and CRC covering those bulk bytes too, and returns the bulk bytes (a write's payload, a
     * batch's body) for the caller to send after {@code out} without copying; null when the frame
     * has none. The returned buffer is not retained.
     */
    public static ByteBuf encodeHead(Frame frame, ByteBuf out) {
        int start = out.writerIndex();
        out.writeInt(Wire.MAGIC);
        out.writeByte(Wire.FRAME_VERSION);
        out.writeByte(frame.type().code());
        out.writeShort(frame.flags());
        out.writeInt(0); // length, set below
        out.writeInt(0); // crc, set below
        ByteBuf trailing = switch (frame) {
            case Hello f -> { f.writeBody(out); yield null; }
            case HelloAck f -> { f.writeBody(out); yield null; }
            case WriteRecord f -> { f.writeFixed(out); yield f.write().payload(); }
            case Flush f -> { f.writeBody(out); yield null; }
            case Ack f -> { f.writeBody(out); yield null; }
            case Batch f -> { f.writeFixed(out); yield f.body(); }
            case Heartbeat f -> { f.writeBody(out); yield null; }
            case ErrorFrame f -> { f.writeBody(out); yield null; }
            case ResyncRegions f -> { f.writeBody(out); yield null; }
            case VerifyRequest f -> { f.writeBody(out); yield null; }
            case VerifyAnswer f -> { f.writeBody(out); yield null; }
            case VerifyRepair f -> { f.writeBody(out); yield null; }
        };
        int trailingLength = trailing == null ? 0 : trailing.readableBytes();
        int fixedLength = out.writerIndex() - start - Wire.HEADER_LENGTH;
        out.setInt(start + Wire.OFFSET_LENGTH, fixedLength + trailingLength);

        CRC32C crc = new CRC32C();
        Crc32c.update(crc, out, start, Wire.CRC_COVERED_HEADER_BYTES);
        Crc32c.update(crc, out, start + Wire.HEADER_LENGTH, fixedLength);
        int frameCrc = (int) crc.getValue();
        if (trailingLength > 0) {
            frameCrc = Crc32c.combine(frameCrc, bulkCrc(frame, trailing), trailingLength);
        }
        out.setInt(start + Wire.OFFSET_CRC, frameCrc);
        return trailing;
    }

    /** CRC32C of a frame's bulk bytes: a write's payload CRC is already known, so the payload is not read again. */
    private static int bulkCrc(Frame frame, ByteBuf bulk) {
        return frame instanceof WriteRecord record ? record.write().payloadCrc() : Crc32c.of(bulk);
    }

    /** Total encoded size of {@code frame}, header included. */
    public static int encodedLength(Frame frame) {
        return Wire.HEADER_LENGTH + switch (frame) {
            case WriteRecord f -> WriteRecord.FIXED_LENGTH + f.write().payload().readableBytes();
            case Batch f -> Batch.FIXED_LENGTH + f.body().readableBytes();
            default -> {
                ByteBuf scratch = io.netty.buffer.Unpooled.buffer();
                try {
                    encode(frame, scratch);
                    yield scratch.readableBytes() - Wire.HEADER_LENGTH;
                } finally {
                    scratch.release();
                }
            }
        };
    }

    /**
     * Decodes one frame from the readable bytes of {@code in} and consumes it. Returns null, consuming
     * nothing, when more bytes are needed; a header is checked as soon as it is complete, so an
     * oversized or foreign frame fails before its payload arrives. Payload frames hold retained
     * slices of {@code in}: the caller releases them.
     */
    public static Frame decode(ByteBuf in, FrameLimits limits) throws ProtocolException {
        if (in.readableBytes() < Wire.HEADER_LENGTH) {
            return null;
        }
        int start = in.readerIndex();
        FrameType type = checkHeader(in, start, limits);
        int flags = in.getUnsignedShort(start + Wire.OFFSET_FLAGS);
        int length = (int) in.getUnsignedInt(start + Wire.OFFSET_LENGTH);
        if (in.readableBytes() < Wire.HEADER_LENGTH + length) {
            return null;
        }
        // A write's payload is read once for both checks: the frame CRC (combined from the CRC of the fields and
        // that of the payload) and the payload CRC the tap took.
        int fieldsLength = type == FrameType.WRITE_RECORD ? Math.min(length, WriteRecord.FIXED_LENGTH) : length;
        CRC32C crc = new CRC32C();
        Crc32c.update(crc, in, start, Wire.CRC_COVERED_HEADER_BYTES);
        Crc32c.update(crc, in, start + Wire.HEADER_LENGTH, fieldsLength);
        int payloadCrc = Crc32c.of(in, start + Wire.HEADER_LENGTH + fieldsLength, length - fieldsLength);
        int computed = Crc32c.combine((int) crc.getValue(), payloadCrc, length - fieldsLength);
        int expected = in.getInt(start + Wire.OFFSET_CRC);
        if (computed != expected) {
            throw new ProtocolException(ErrorCode.CRC_MISMATCH, type + " frame of " + length
                    + " bytes: CRC32C " + Integer.toHexString(computed) + " != header " + Integer.toHexString(expected));
        }
        ByteBuf payload = in.slice(start + Wire.HEADER_LENGTH, length);
        Frame frame = readBody(type, flags, new FieldReader(payload, type), limits);
        if (frame instanceof WriteRecord record && record.write().kind().hasPayload()
                && record.write().payloadCrc() != payloadCrc) {
            record.release();
            throw new ProtocolException(ErrorCode.CRC_MISMATCH, "seq " + record.seq() + ": the payload does not match"
                    + " the CRC32C the tap took (" + Integer.toHexString(record.write().payloadCrc()) + ")");
        }
        in.readerIndex(start + Wire.HEADER_LENGTH + length);
        return frame;
    }

    /** Decodes a buffer that must hold exactly one whole frame (tests, journals, golden vectors). */
    public static Frame decodeComplete(ByteBuf in, FrameLimits limits) throws ProtocolException {
        Frame frame = decode(in, limits);
        if (frame == null) {
            throw truncated(in);
        }
        if (in.isReadable()) {
            ReferenceCountedFrames.release(frame);
            throw new ProtocolException(ErrorCode.MALFORMED, in.readableBytes() + " bytes after a complete frame");
        }
        return frame;
    }

    /** The error for a stream that ended with the readable bytes of {@code in} short of a whole frame. */
    public static ProtocolException truncated(ByteBuf in) {
        int available = in.readableBytes();
        if (available < Wire.HEADER_LENGTH) {
            return new ProtocolException(ErrorCode.TRUNCATED, "stream ended after " + available
                    + " bytes of a " + Wire.HEADER_LENGTH + "-byte frame header");
        }
        long length = in.getUnsignedInt(in.readerIndex() + Wire.OFFSET_LENGTH);
        return new ProtocolException(ErrorCode.TRUNCATED, "stream ended after " + (available - Wire.HEADER_LENGTH)
                + " of " + length + " payload bytes");
    }

    private static FrameType checkHeader(ByteBuf in, int start, FrameLimits limits) throws ProtocolException {
        int magic = in.getInt(start + Wire.OFFSET_MAGIC);
        if (magic != Wire.MAGIC) {
            throw new ProtocolException(ErrorCode.BAD_MAGIC, "expected magic 0x" + Integer.toHexString(Wire.MAGIC)
                    + " (DMVR), got 0x" + Integer.toHexString(magic) + ": not a datamover peer?");
        }
        int version = in.getUnsignedByte(start + Wire.OFFSET_VERSION);
        if (version != Wire.FRAME_VERSION) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_VERSION, "frame version " + version
                    + ", this build speaks " + Wire.FRAME_VERSION);
        }
        int typeCode = in.getUnsignedByte(start + Wire.OFFSET_TYPE);
        FrameType type = FrameType.fromCode(typeCode);
        if (type == null) {
            throw new ProtocolException(ErrorCode.UNKNOWN_FRAME_TYPE, "unknown frame type " + typeCode);
        }
        int flags = in.getUnsignedShort(start + Wire.OFFSET_FLAGS);
        if ((flags & ~type.allowedFlags()) != 0) {
            throw new ProtocolException(ErrorCode.MALFORMED, type + ": unknown flag bits 0x"
                    + Integer.toHexString(flags & ~type.allowedFlags()));
        }
        long length = in.getUnsignedInt(start + Wire.OFFSET_LENGTH);
        if (length > limits.maxPayloadBytes()) {
            throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE, type + " frame declares " + length
                    + " payload bytes, the limit is " + limits.maxPayloadBytes());
        }
        return type;
    }

    private static Frame readBody(FrameType type, int flags, FieldReader r, FrameLimits limits)
            throws ProtocolException {
        Frame frame;
        try {
            frame = switch (type) {
                case HELLO -> Hello.readBody(r);
                case HELLO_ACK -> HelloAck.readBody(r);
                case WRITE_RECORD -> WriteRecord.readBody(r, flags);
                case FLUSH -> Flush.readBody(r);
                case ACK -> Ack.readBody(r);
                case BATCH -> Batch.readBody(r, limits);
                case HEARTBEAT -> Heartbeat.readBody(r);
                case ERROR -> ErrorFrame.readBody(r);
                case RESYNC_REGIONS -> ResyncRegions.readBody(r);
                case VERIFY_REQUEST -> VerifyRequest.readBody(r);
                case VERIFY_ANSWER -> VerifyAnswer.readBody(r);
                case VERIFY_REPAIR -> VerifyRepair.readBody(r);
            };
        } catch (IllegalArgumentException e) {
            // A field combination the frame's own validation refuses (payload frames release first).
            throw r.malformed(e.getMessage());
        }
        try {
            r.expectEnd();
        } catch (ProtocolException e) {
            ReferenceCountedFrames.release(frame);
            throw e;
        }
        return frame;
    }
}
