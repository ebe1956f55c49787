package io.datamover.protocol;

/** How a batch body is encoded on the wire. */
public enum Compression implements WireCode {
    NONE(0),
    LZ4(1);

    private final int code;

    Compression(int code) {
        this.code = code;
    }

    @Override
    public int code() {
        return code;
    }

    public static Compression fromCode(int code) {
        return WireCode.lookup(Compression.class, code);
    }
}
