package io.datamover.tap.sender;

import java.util.Locale;

/** Why the sender left STREAMING (or refused a record): a metric tag and a log word, for operators. */
public enum BitmapReason {
    /** No handshaken connection to the gateway. */
    NOT_CONNECTED,
    /** The unacknowledged bytes would exceed {@code windowBytes}. */
    WINDOW_FULL,
    /** The socket's outbound buffer is above its high water mark: the network is the bottleneck. */
    SOCKET_BACKLOG,
    /** The offered seq is not the next one expected: a caller bug, but refusing keeps the gateway gap-free. */
    SEQ_OUT_OF_ORDER,
    /** The connection dropped with records unacknowledged; their dirty bits stay set. */
    CONNECTION_LOST,
    /** On (re)connect the gateway holds a different seq than the next one this sender would send. */
    GATEWAY_OUT_OF_STEP,
    /** The sender is closed. */
    CLOSED,
    /** The sender was already in BITMAP mode (counted, never logged per record). */
    IN_BITMAP_MODE;

    /** Metric tag value. */
    String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
