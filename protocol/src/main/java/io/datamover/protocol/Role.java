package io.datamover.protocol;

/** Who is speaking in a handshake. */
public enum Role implements WireCode {
    TAP(1),
    SOURCE_GATEWAY(2),
    TARGET_GATEWAY(3);

    private final int code;

    Role(int code) {
        this.code = code;
    }

    @Override
    public int code() {
        return code;
    }

    public static Role fromCode(int code) {
        return WireCode.lookup(Role.class, code);
    }
}
