package io.datamover.protocol;

/**
 * Why a peer or a decoder refused something. Sent in ERROR frames, carried by {@link ProtocolException},
 * and used as the tag of error metrics, so the names are written for operators.
 */
public enum ErrorCode implements WireCode {
    /** A code this build does not know (sent by a newer peer). */
    UNKNOWN(0),
    BAD_MAGIC(1),
    UNSUPPORTED_VERSION(2),
    UNKNOWN_FRAME_TYPE(3),
    FRAME_TOO_LARGE(4),
    CRC_MISMATCH(5),
    TRUNCATED(6),
    MALFORMED(7),
    BAD_COMPRESSION(8),
    /** No common protocol revision, or a required feature is missing. */
    INCOMPATIBLE(9),
    /** The peer belongs to another replication pair or consistency group. */
    WRONG_PAIR(10),
    /** A sequence number is missing or out of order. */
    SEQ_GAP(11),
    /** The source journal is full: the tap must switch to bitmap mode. */
    JOURNAL_FULL(12),
    /** A local disk or journal failed. */
    STORAGE_FAILURE(13),
    SHUTTING_DOWN(14),
    INTERNAL(15),
    /** Another peer already serves this consistency group on this gateway. */
    ALREADY_CONNECTED(16),
    /**
     * The gateway takes no new consistency group: it holds as many as its --max-groups allows, or the file
     * descriptors of one more would not fit under its open-files limit. Groups it already holds are not affected.
     */
    TOO_MANY_GROUPS(17),
    /**
     * The peer's certificate does not allow what its HELLO asks: another role, another pair, or a consistency group
     * the certificate does not name. The message says nothing about this side's pair.
     */
    UNAUTHORIZED(18),
    /**
     * The two sides' histories of the pair split: the receiver holds seqs or a generation the sender does not know
     * (for example a data directory restored from an older copy). Nothing is resumed until an operator chooses the
     * side to discard (docs/security.md).
     */
    DIVERGED(19),
    /** The two sides share no generation: they hold data of different pairs or of different histories. */
    UNRELATED(20),
    /**
     * From a source gateway to its tap: an operator discarded the replica's data ({@code datamover resync --discard
     * replica}); the tap marks every region dirty and resyncs its whole disks.
     */
    RESYNC_REQUIRED(21),
    /**
     * The sender acts under an epoch of its site's gateway group below the highest the receiver has admitted for the
     * group: another gateway took the group over (docs/coordination.md). Nothing of the connection is applied.
     */
    STALE_EPOCH(22),
    /**
     * From a source gateway to a tap: this gateway does not lead the tap's consistency group in its site's gateway
     * group (another gateway does, or the election is not decided yet); the tap tries its next gateway address.
     * Nothing of the connection is journaled.
     */
    NOT_LEADER(23);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    @Override
    public int code() {
        return code;
    }

    public static ErrorCode fromCode(int code) {
        ErrorCode c = WireCode.lookup(ErrorCode.class, code);
        return c == null ? UNKNOWN : c;
    }
}
