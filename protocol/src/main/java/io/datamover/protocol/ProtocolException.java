package io.datamover.protocol;

/**
 * The one error type of the wire format: input that breaks the protocol. Checked on purpose, so
 * every decoding call site decides what to do (send ERROR, count it, close the connection).
 *
 * <p>The message is what the peer is told (in the ERROR frame). What only this side's operator may read (this
 * side's pair, a local path, the peer's certificate subject) goes in the {@linkplain #localDetail local detail},
 * which reaches this side's log ({@link #logMessage()}) and never the wire.
 */
public final class ProtocolException extends Exception {
    private final ErrorCode code;
    private final String localDetail;

    public ProtocolException(ErrorCode code, String message) {
        super(code + ": " + message);
        this.code = code;
        this.localDetail = null;
    }

    public ProtocolException(ErrorCode code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
        this.localDetail = null;
    }

    /** A refusal whose {@code toPeer} text is sent, and whose {@code localDetail} is only logged on this side. */
    public ProtocolException(ErrorCode code, String toPeer, String localDetail) {
        super(code + ": " + toPeer);
        this.code = code;
        this.localDetail = localDetail;
    }

    public ErrorCode code() {
        return code;
    }

    /** What this side's log may say beyond the message sent to the peer, or null. */
    public String localDetail() {
        return localDetail;
    }

    /** The message, then the local detail if any: for this side's log line, never for an ERROR frame. */
    public String logMessage() {
        return localDetail == null ? getMessage() : getMessage() + " [here: " + localDetail + "]";
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
