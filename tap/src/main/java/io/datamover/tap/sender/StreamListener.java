package io.datamover.tap.sender;

/** What the sender reports about the gateway's stream: where it broke, and when a connection is handshaken. */
public interface StreamListener {
    /**
     * The stream to the gateway broke at {@code seq}: the sender refuses records from now on, until the resync
     * re-bases the stream ({@link GatewaySender#resumeForResync()}), so the gateway never sees a gap. Called on the
     * thread that found the break (an offering thread, the event loop, or the closing thread), under the sender's
     * lock, so breaks are told in order; must not block and must not call back into the sender.
     *
     * @param seq the refused record's seq, or the next seq to be sent
     */
    void streamBroken(BitmapReason reason, long seq);

    /**
     * A connection completed its handshake: the sender is connected, taking records or not. Called on the event
     * loop, outside the sender's lock; must not block.
     */
    default void connected() {
    }

    /**
     * The handshaken connection was lost, as outage number {@code outage} (the sender rides it through in its window
     * while it takes records): the listener decides when the outage has lasted too long and then calls {@link
     * GatewaySender#outageGraceOver}. Called on the event loop under the sender's lock; must not block and must not
     * call back into the sender.
     */
    default void disconnected(long outage) {
    }

    StreamListener NONE = (reason, seq) -> { };
}
