package io.datamover.tap.sender;

/**
 * Whether the sender takes records. Changed only by {@link GatewaySender}, in one place that checks
 * the transition: STREAMING to BITMAP on any refusal or loss of the connection, BITMAP to STREAMING
 * only through the resync ({@link GatewaySender#resumeForResync()} or
 * {@link GatewaySender#resumeStreaming(long)}).
 */
public enum SenderMode {
    /** Every offered record goes to the gateway, in seq order, without gaps. */
    STREAMING,
    /** Records are refused; the tap keeps only dirty bits until a resync brings the gateway level again. */
    BITMAP;

    boolean canMoveTo(SenderMode next) {
        return this != next;
    }
}
