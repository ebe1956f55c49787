package io.datamover.protocol;

/**
 * The one error type of the wire format: input that breaks the protocol. Checked on purpose, so
 * every decoding call site decides what to do (send ERROR, count it, close the connection).
 */
public final class ProtocolException extends Exception {
    private final ErrorCode code;

    public ProtocolException(ErrorCode code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    public ProtocolException(ErrorCode code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    /** The ProtocolException in a cause chain (Netty wraps decoder exceptions), or null. */
    public static ProtocolException findIn(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ProtocolException p) {
                return p;
            }
        }
        return null;
    }
}
