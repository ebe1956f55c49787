package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Tells the peer why the connection is being closed, in words an operator can act on.
 *
 * <p>Layout: code u16 ({@link ErrorCode}), message (string of at most 1024 UTF-8 bytes).
 */
public record ErrorFrame(ErrorCode code, String message) implements Frame {
    public ErrorFrame {
        if (code == null) {
            throw new IllegalArgumentException("code is required");
        }
        Names.requireName("error message", message, Wire.MAX_ERROR_MESSAGE_BYTES);
    }

    /** An error frame whose message is cut to fit the limit and cleaned of control characters. */
    public static ErrorFrame of(ErrorCode code, String message) {
        String clean = (message == null || message.isBlank() ? code.name() : message).replaceAll("\\p{Cntrl}", " ");
        while (clean.getBytes(StandardCharsets.UTF_8).length > Wire.MAX_ERROR_MESSAGE_BYTES) {
            clean = clean.substring(0, clean.length() * 3 / 4);
        }
        return new ErrorFrame(code, clean);
    }

    /** The error frame that reports a protocol violation. */
    public static ErrorFrame of(ProtocolException e) {
        return of(e.code(), e.getMessage());
    }

    @Override
    public FrameType type() {
        return FrameType.ERROR;
    }

    void writeBody(ByteBuf out) {
        out.writeShort(code.code());
        FieldWriter.string(out, message);
    }

    static ErrorFrame readBody(FieldReader r) throws ProtocolException {
        ErrorCode code = ErrorCode.fromCode(r.u16("code"));
        String message = r.string("message", Wire.MAX_ERROR_MESSAGE_BYTES, false);
        return new ErrorFrame(code, message);
    }
}
