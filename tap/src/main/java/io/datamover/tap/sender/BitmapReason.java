package io.datamover.tap.sender;

import java.util.Locale;

/** Why the sender left STREAMING (or refused a record): a metric tag and a log word, for operators. */
public enum BitmapReason {
    /** No handshaken connection to the gateway. */
    NOT_CONNECTED,
    /** The unacknowledged bytes would exceed {@code windowBytes}. */
    WINDOW_FULL,
    /** The offered seq is not the next one expected: a caller bug, but refusing keeps the gateway gap-free. */
    SEQ_OUT_OF_ORDER,
    /** The connection stayed lost longer than the outage grace; held records were dropped, their dirty bits stay. */
    CONNECTION_LOST,
    /** The gateway refused further records (its journal is full, or its storage failed). */
    GATEWAY_REFUSED,
    /** On (re)connect the gateway holds a different seq than the next one this sender would send. */
    GATEWAY_OUT_OF_STEP,
    /**
     * On (re)connect the gateway holds less than it acknowledged durable before (its journal restored from an older
     * copy): every region is marked dirty and resynced.
     */
    GATEWAY_LOST_ACKNOWLEDGED,
    /** The gateway asked for a resync of the whole disks (an operator discarded the replica's data). */
    RESYNC_REQUESTED,
    /** The tap started with dirty regions from an earlier run: records wait until their resync. */
    DIRTY_AT_START,
    /** The sender is closed. */
    CLOSED,
    /** The sender was already in BITMAP mode (counted, never logged per record). */
    IN_BITMAP_MODE;

    /** Metric tag value. */
    String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
