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
    TRIM(3);

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

    /** Returns the kind for a wire code, or null when the code is unknown (callers raise the protocol error). */
    public static RecordKind fromCode(int code) {
        return WireCode.lookup(RecordKind.class, code);
    }
}
