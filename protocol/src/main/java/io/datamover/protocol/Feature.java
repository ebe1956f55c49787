package io.datamover.protocol;

/**
 * Optional capabilities, one bit each in the handshake's 64-bit feature word. Both sides use the
 * intersection of what they offer; unknown bits from a newer peer are ignored.
 */
public enum Feature {
    /** Batches may be LZ4-compressed. */
    LZ4_BATCHES(0),
    /** Write records carry a CRC32C of their payload, checked end to end by the applier. */
    PAYLOAD_CRC(1);

    private final int bit;

    Feature(int bit) {
        this.bit = bit;
    }

    public long mask() {
        return 1L << bit;
    }

    public boolean in(long features) {
        return (features & mask()) != 0;
    }

    /** Every feature this build implements. */
    public static long all() {
        long m = 0;
        for (Feature f : values()) {
            m |= f.mask();
        }
        return m;
    }
}
