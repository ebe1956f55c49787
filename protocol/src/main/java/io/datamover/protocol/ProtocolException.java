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
    /** NOT_LEADER only: HOST:PORT of the gateway that leads the group, or empty. */
    private final String leader;

    public ProtocolException(ErrorCode code, String message) {
        this(code, message, (String) null);
    }

    public ProtocolException(ErrorCode code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
        this.localDetail = null;
        this.leader = "";
    }

    /** A refusal whose {@code toPeer} text is sent, and whose {@code localDetail} is only logged on this side. */
    public ProtocolException(ErrorCode code, String toPeer, String localDetail) {
        super(code + ": " + toPeer);
        this.code = code;
        this.localDetail = localDetail;
        this.leader = "";
    }

    private ProtocolException(String toPeer, String leader) {
        super(ErrorCode.NOT_LEADER + ": " + toPeer);
        this.code = ErrorCode.NOT_LEADER;
        this.localDetail = null;
        this.leader = leader;
    }

    /**
     * NOT_LEADER naming the gateway that leads the group ({@code leader}, HOST:PORT), so the peer goes straight there:
     * a redirect. Empty {@code leader}: a bare NOT_LEADER.
     */
    public static ProtocolException notLeader(String toPeer, String leader) {
        return new ProtocolException(toPeer, leader);
    }

    /** NOT_LEADER's redirect: HOST:PORT of the group's leader, or empty. */
    public String leader() {
        return leader;
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
