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
     * Offered by a tap, read from its HELLO as sent (never in {@link #all()}): it reads the leader's address at the end
     * of an ERROR {@code NOT_LEADER} and goes straight there (a redirect), so a gateway names it only to such a tap.
     */
    REDIRECT(3, false),
    /**
     * The receiver sends ACK {@code APPLIED} for the group: a target gateway as it applies, a source gateway forwarding
     * its target's applied seq to its tap, which then keeps its dirty bits until the target has applied the writes
     * (docs/coordination.md, "Where the journal lives across a takeover").
     */
    APPLIED_ACKS(4),
    /**
     * A tap's HEARTBEATs may carry {@link Wire#FLAG_TAP_PAUSED}, so its source gateway shows a paused group as PAUSED
     * rather than STREAMING. A tap sets the flag only when this was agreed: an older gateway refuses unknown flags.
     */
    TAP_PAUSE(5),
    /**
     * Offered by a tap, read from its HELLO as sent (never in {@link #all()}): a source gateway that knows it sets it
     * in its HELLO_ACK, which then ends with {@code epoch} u64, the epoch under which the gateway leads the group (0:
     * not coordinated). The tap persists the highest epoch it has seen and refuses a HELLO_ACK under a lower one
     * ({@link ErrorCode#STALE_EPOCH}): a deposed leader's.
     */
    LEADER_EPOCH(6, false);

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
