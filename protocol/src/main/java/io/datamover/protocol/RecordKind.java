package io.datamover.protocol;

/**
 * What a write record does to its byte range. The wire code is part of the protocol: never renumber.
 */
public enum RecordKind implements WireCode {
    /** Bytes to write; the record carries them as payload. */
    DATA(1),
    /** The range reads as zeros afterwards (NBD WRITE_ZEROES); no payload. */
    ZERO(2),
    /** The range is discarded (NBD TRIM); reads back as zeros on our disks; no payload. */
    TRIM(3),
    /**
     * Marker, no range and no payload: the initial sync (or a resync) of the record's disk starts here. From
     * this seq until {@link #SYNC_END} the replica disk is INCONSISTENT.
     */
    SYNC_BEGIN(4),
    /**
     * Marker, no range and no payload: every allocated block of the disk has been sent since the matching
     * {@link #SYNC_BEGIN}; once applied, the replica disk is UP_TO_DATE.
     */
    SYNC_END(5);

    private final int code;

    RecordKind(int code) {
        this.code = code;
    }

    @Override
    public int code() {
        return code;
    }

    public boolean hasPayload() {
        return this == DATA;
    }

    /** A marker orders a state change of a replica disk with the writes; it has offset 0 and length 0. */
    public boolean isMarker() {
        return this == SYNC_BEGIN || this == SYNC_END;
    }

    /** Returns the kind for a wire code, or null when the code is unknown (callers raise the protocol error). */
    public static RecordKind fromCode(int code) {
        return WireCode.lookup(RecordKind.class, code);
    }
}
