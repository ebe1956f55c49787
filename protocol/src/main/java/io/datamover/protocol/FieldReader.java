package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads the fields of one frame payload. Every read checks that the bytes are there and every
 * variable length is checked against its bound before anything is read or allocated, so a lying
 * peer gets a {@link ProtocolException} naming the field, never an unchecked exception.
 */
final class FieldReader {
    private final ByteBuf buf;
    private final FrameType type;

    /** Reads {@code buf} from its reader index to its writer index; the caller keeps ownership. */
    FieldReader(ByteBuf buf, FrameType type) {
        this.buf = buf;
        this.type = type;
    }

    int u8(String field) throws ProtocolException {
        need(1, field);
        return buf.readUnsignedByte();
    }

    int u16(String field) throws ProtocolException {
        need(2, field);
        return buf.readUnsignedShort();
    }

    /** An unsigned 32-bit field that must fit in an int (lengths, counts). */
    int u32AsInt(String field) throws ProtocolException {
        need(4, field);
        long v = buf.readUnsignedInt();
        if (v > Integer.MAX_VALUE) {
            throw malformed(field + " " + v + " is out of range");
        }
        return (int) v;
    }

    /** A 32-bit field taken as raw bits (identifiers, checksums). */
    int bits32(String field) throws ProtocolException {
        need(4, field);
        return buf.readInt();
    }

    long u64(String field) throws ProtocolException {
        need(8, field);
        return buf.readLong();
    }

    /** A 64-bit field that must not be negative (offsets, sizes, seqs, timestamps). */
    long positiveU64(String field) throws ProtocolException {
        long v = u64(field);
        if (v < 0) {
            throw malformed(field + " " + Long.toUnsignedString(v) + " is out of range");
        }
        return v;
    }

    /** A u16-length-prefixed UTF-8 string of at most {@code maxBytes} bytes, no control characters. */
    String string(String field, int maxBytes, boolean allowEmpty) throws ProtocolException {
        int length = u16(field + " length");
        if (length > maxBytes) {
            throw malformed(field + " is " + length + " bytes, the limit is " + maxBytes);
        }
        if (length == 0 && !allowEmpty) {
            throw malformed(field + " must not be empty");
        }
        need(length, field);
        ByteBuffer bytes = buf.nioBuffer(buf.readerIndex(), length);
        buf.skipBytes(length);
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException(ErrorCode.MALFORMED, type + ": " + field + " is not valid UTF-8", e);
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                throw malformed(field + " contains a control character");
            }
        }
        return s;
    }

    /** A copy of the next {@code length} bytes (a small fixed-size field, such as a digest). */
    byte[] bytes(int length, String field) throws ProtocolException {
        need(length, field);
        byte[] bytes = new byte[length];
        buf.readBytes(bytes);
        return bytes;
    }

    /** A retained slice of the next {@code length} bytes; the caller owns it. */
    ByteBuf retainedBytes(int length, String field) throws ProtocolException {
        need(length, field);
        return buf.readRetainedSlice(length);
    }

    /**
     * Builds a value that takes ownership of {@code owned}; when the value's own validation refuses
     * the fields, releases {@code owned} and reports the refusal as MALFORMED.
     */
    <T> T buildOwning(ByteBuf owned, java.util.function.Supplier<T> constructor) throws ProtocolException {
        try {
            return constructor.get();
        } catch (IllegalArgumentException e) {
            owned.release();
            throw malformed(e.getMessage());
        }
    }

    int remaining() {
        return buf.readableBytes();
    }

    void expectEnd() throws ProtocolException {
        if (buf.isReadable()) {
            throw malformed(buf.readableBytes() + " unexpected trailing bytes");
        }
    }

    ProtocolException malformed(String message) {
        return new ProtocolException(ErrorCode.MALFORMED, type + ": " + message);
    }

    private void need(int bytes, String field) throws ProtocolException {
        if (buf.readableBytes() < bytes) {
            throw new ProtocolException(ErrorCode.TRUNCATED, type + ": payload ends inside " + field
                    + " (needs " + bytes + " bytes, " + buf.readableBytes() + " left)");
        }
    }
}
