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
     * The handshaken connection was lost (the sender may ride the outage through in its window). Called on the event
     * loop, outside the sender's lock; must not block.
     */
    default void disconnected() {
    }

    StreamListener NONE = (reason, seq) -> { };
}
