package io.datamover.protocol;

/** Frame types and their wire codes. Never renumber: the code is in every frame header. */
public enum FrameType implements WireCode {
    HELLO(1, 0),
    HELLO_ACK(2, 0),
    WRITE_RECORD(3, Wire.FLAG_FUA),
    FLUSH(4, 0),
    ACK(5, 0),
    BATCH(6, 0),
    HEARTBEAT(7, 0),
    ERROR(8, 0),
    RESYNC_REGIONS(9, 0),
    VERIFY_REQUEST(10, 0),
    VERIFY_ANSWER(11, 0),
    VERIFY_REPAIR(12, 0);

    private final int code;
    private final int allowedFlags;

    FrameType(int code, int allowedFlags) {
        this.code = code;
        this.allowedFlags = allowedFlags;
    }

    @Override
    public int code() {
        return code;
    }

    /** Header flag bits this type defines; any other bit set is a protocol violation. */
    public int allowedFlags() {
        return allowedFlags;
    }

    /** Returns the type for a wire code, or null when unknown (the caller raises the protocol error). */
    public static FrameType fromCode(int code) {
        return WireCode.lookup(FrameType.class, code);
    }
}
