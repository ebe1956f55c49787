package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Tells the peer why the connection is being closed, in words an operator can act on.
 *
 * <p>Layout: code u16 ({@link ErrorCode}), message (string of at most 1024 UTF-8 bytes), then only for
 * {@link ErrorCode#NOT_LEADER} to a peer whose HELLO offered {@link Feature#REDIRECT}, and only when known: leader
 * (string, HOST:PORT of the gateway that leads the group). Empty {@code leader}: the field is absent.
 */
public record ErrorFrame(ErrorCode code, String message, String leader) implements Frame {
    public ErrorFrame {
        if (code == null) {
            throw new IllegalArgumentException("code is required");
        }
        Names.requireName("error message", message, Wire.MAX_ERROR_MESSAGE_BYTES);
        if (leader == null) {
            throw new IllegalArgumentException("leader is required (empty: none)");
        }
        if (!leader.isEmpty()) {
            Names.requireName("leader", leader, Wire.MAX_NAME_BYTES);
            if (code != ErrorCode.NOT_LEADER) {
                throw new IllegalArgumentException("only NOT_LEADER names a leader, not " + code);
            }
        }
    }

    public ErrorFrame(ErrorCode code, String message) {
        this(code, message, "");
    }

    /** An error frame whose message is cut to fit the limit and cleaned of control characters. */
    public static ErrorFrame of(ErrorCode code, String message) {
        String clean = (message == null || message.isBlank() ? code.name() : message).replaceAll("\\p{Cntrl}", " ");
        while (clean.getBytes(StandardCharsets.UTF_8).length > Wire.MAX_ERROR_MESSAGE_BYTES) {
            clean = clean.substring(0, clean.length() * 3 / 4);
        }
        return new ErrorFrame(code, clean);
    }

    /** The error frame that reports a protocol violation (a NOT_LEADER's redirect with it). */
    public static ErrorFrame of(ProtocolException e) {
        ErrorFrame error = of(e.code(), e.getMessage());
        return new ErrorFrame(error.code, error.message, e.leader());
    }

    @Override
    public FrameType type() {
        return FrameType.ERROR;
    }

    void writeBody(ByteBuf out) {
        out.writeShort(code.code());
        FieldWriter.string(out, message);
        if (!leader.isEmpty()) {
            FieldWriter.string(out, leader);
        }
    }

    static ErrorFrame readBody(FieldReader r) throws ProtocolException {
        ErrorCode code = ErrorCode.fromCode(r.u16("code"));
        String message = r.string("message", Wire.MAX_ERROR_MESSAGE_BYTES, false);
        if (r.remaining() == 0) {
            return new ErrorFrame(code, message);
        }
        if (code != ErrorCode.NOT_LEADER) {
            throw r.malformed("only NOT_LEADER names a leader, not " + code);
        }
        return new ErrorFrame(code, message, r.string("leader", Wire.MAX_NAME_BYTES, false));
    }
}
