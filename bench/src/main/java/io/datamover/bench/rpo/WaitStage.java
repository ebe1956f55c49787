package io.datamover.bench.rpo;

/**
 * Where the oldest write the replica does not hold is waiting, by the seqs each stage has reached: what an RPO
 * sample is made of. In data-path order.
 */
public enum WaitStage {
    /** Nothing is waiting: the target applied every write the tap has given a seq. */
    CAUGHT_UP("caught up"),
    /** Given a seq by the tap, not yet durable in the source journal (tap window, journal group commit). */
    TAP_TO_JOURNAL("tap to source journal"),
    /** Durable at the source, not yet held durably by the target (batch interval, wire, target spool). */
    JOURNAL_TO_TARGET("source journal to target spool"),
    /** Held by the target, not yet applied to the replica (apply and its sync). */
    TARGET_APPLY("target apply");

    private final String label;

    WaitStage(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The stage of seq {@code applied + 1} given how far each stage has come. */
    static WaitStage of(long tapLastSeq, long sourceDurableSeq, long targetHeldSeq, long appliedSeq) {
        long oldest = appliedSeq + 1;
        if (oldest > tapLastSeq) {
            return CAUGHT_UP;
        }
        if (oldest <= targetHeldSeq) {
            return TARGET_APPLY;
        }
        return oldest <= sourceDurableSeq ? JOURNAL_TO_TARGET : TAP_TO_JOURNAL;
    }
}
