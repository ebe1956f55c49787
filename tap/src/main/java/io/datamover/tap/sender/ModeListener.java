package io.datamover.tap.sender;

/** Told when the sender changes mode, and when a connection to the gateway is handshaken. */
@FunctionalInterface
public interface ModeListener {
    /**
     * The sender is now in {@code mode}. Called on the thread that caused the change (an offering
     * thread, the event loop, or the caller of {@code resumeStreaming}) after the change; must not
     * block and must not call back into the sender.
     *
     * @param reason why it left STREAMING; null when it entered STREAMING
     * @param seq the seq the change happened at (the refused record, or the next seq to be sent)
     */
    void modeChanged(SenderMode mode, BitmapReason reason, long seq);

    /**
     * A connection completed its handshake: the sender is connected, in the mode last reported. Called on the event
     * loop, outside the sender's lock; must not block.
     */
    default void connected() {
    }

    ModeListener NONE = (mode, reason, seq) -> { };
}
