package io.datamover.protocol;

/** What an acknowledgement promises about every record up to its seq. */
public enum AckScope implements WireCode {
    /** Durable in the receiver's journal (the tap may clear dirty bits; the source may release journal). */
    DURABLE(1),
    /** Applied and durable on the replica disks (the applied seq that RPO is measured against). */
    APPLIED(2);

    private final int code;

    AckScope(int code) {
        this.code = code;
    }

    @Override
    public int code() {
        return code;
    }

    public static AckScope fromCode(int code) {
        return WireCode.lookup(AckScope.class, code);
    }
}
