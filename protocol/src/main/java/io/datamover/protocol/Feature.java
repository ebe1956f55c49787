package io.datamover.protocol;

/**
 * Optional capabilities, one bit each in the handshake's 64-bit feature word. Both sides use the
 * intersection of what they offer; unknown bits from a newer peer are ignored.
 *
 * <p>A bit may instead be a request about the group, not a capability ({@link #THICK_REPLICA}): the receiver reads
 * it from the HELLO as sent, and a peer that does not know it ignores it, as any unknown bit.
 */
public enum Feature {
    /** Batches may be LZ4-compressed. */
    LZ4_BATCHES(0),
    /** Write records carry a CRC32C of their payload, checked end to end by the applier. */
    PAYLOAD_CRC(1),
    /**
     * A request, not a capability: the sender's source disks are on storage that is not thin-aware (NFS), so the
     * group's replicas should be thick. Set by a tap, carried on by its source gateway; never in {@link #all()}.
     */
    THICK_REPLICA(2, false),
    /**
     * A tap's HEARTBEATs may carry {@link Wire#FLAG_TAP_PAUSED}, so its source gateway shows a paused group as PAUSED
     * rather than STREAMING. A tap sets the flag only when this was agreed: an older gateway refuses unknown flags.
     */
    TAP_PAUSE(3);

    private final int bit;
    private final boolean capability;

    Feature(int bit) {
        this(bit, true);
    }

    Feature(int bit, boolean capability) {
        this.bit = bit;
        this.capability = capability;
    }

    public long mask() {
        return 1L << bit;
    }

    public boolean in(long features) {
        return (features & mask()) != 0;
    }

    /** Every capability this build implements (requests such as {@link #THICK_REPLICA} are not offered). */
    public static long all() {
        long m = 0;
        for (Feature f : values()) {
            if (f.capability) {
                m |= f.mask();
            }
        }
        return m;
    }
}
