package io.datamover.protocol;

/**
 * The decision two sides of a pair take on connect from their generation histories and the seqs they hold (docs/
 * protocol.md, "Generations", has the table): resume, adopt the source's generation, give up the replica's data
 * because an operator said so, or refuse as DIVERGED or UNRELATED. A pure function: the target gateway takes it on a
 * HELLO, and the source gateway takes it again on the HELLO_ACK, so neither trusts the other's word. Never resumes
 * past what the source holds.
 */
public final class GenerationCheck {
    private GenerationCheck() {}

    public enum Outcome {
        /** Same generation, the source holds at least what the target holds: resume after the target's seq. */
        RESUME,
        /**
         * The target has no generation yet, or its generation is an earlier one of the source's and ended at or after
         * the target's seq: the target takes the source's history and resumes after its seq.
         */
        ADOPT,
        /**
         * The histories diverged, but at or before the point where the source started a generation with
         * {@code resync --discard replica}: the target takes the source's history, gives up what it holds after
         * {@link Verdict#resumeSeq()} and is resynced in full.
         */
        DISCARD_REPLICA,
        /**
         * The source leads the group under a higher epoch of its site's gateway group than any the target admitted
         * before (another gateway took the group over, docs/coordination.md) and shares no history with the replicas:
         * the target keeps the image it applied, drops what it spooled and did not apply, takes the source's history
         * and resumes after the start of the source's current generation (its tenure's: nothing of an earlier tenure
         * is shipped); the tap resyncs what the target had not applied.
         */
        TAKEOVER,
        /** The histories split: refused until an operator resolves it. */
        DIVERGED,
        /** No common generation: another pair, or another history. */
        UNRELATED;

        /** The ERROR code a refusal is sent with; null for an accepted outcome. */
        public ErrorCode errorCode() {
            return switch (this) {
                case DIVERGED -> ErrorCode.DIVERGED;
                case UNRELATED -> ErrorCode.UNRELATED;
                default -> null;
            };
        }
    }

    /** What to do, from where ({@code resumeSeq}, meaningful when accepted), and why, for the log. */
    public record Verdict(Outcome outcome, long resumeSeq, String reason) {
        public boolean accepted() {
            return outcome.errorCode() == null;
        }
    }

    /**
     * @param source the source gateway's history for the group
     * @param sourceSeq the highest seq the source's journal holds
     * @param target the target gateway's (the replica set's) history
     * @param targetSeq the highest seq the target holds durably
     */
    public static Verdict decide(GenerationHistory source, long sourceSeq, GenerationHistory target, long targetSeq) {
        if (source.isNone()) {
            return new Verdict(Outcome.UNRELATED, 0, "the source has no generation");
        }
        if (target.isNone()) {
            return targetSeq <= sourceSeq
                    ? new Verdict(Outcome.ADOPT, targetSeq, "the replica has no generation yet")
                    : new Verdict(Outcome.DIVERGED, 0, "the replica has no generation but holds seq " + targetSeq
                            + ", beyond seq " + sourceSeq + " of the source");
        }
        if (target.current() == source.current()) {
            return targetSeq <= sourceSeq
                    ? new Verdict(Outcome.RESUME, targetSeq, "same generation")
                    : new Verdict(Outcome.DIVERGED, 0, "same generation, but the replica holds seq " + targetSeq
                            + ", beyond seq " + sourceSeq + " of the source");
        }
        int ended = source.indexOfEarlier(target.current());
        if (ended >= 0 && targetSeq <= source.earlier().get(ended).endSeq() && targetSeq <= sourceSeq) {
            return new Verdict(Outcome.ADOPT, targetSeq, "the replica's generation is an earlier one of the source's");
        }
        int common = newestCommon(source, target);
        if (common == NO_COMMON) {
            return new Verdict(Outcome.UNRELATED, 0, "no common generation");
        }
        int discard = newestDiscard(source);
        if (discard >= 0 && common >= discard) {
            // The histories agree up to where their newest common generation ended on both sides (a promoted replica
            // left it at its failover, before the source did: a split brain): the replica restarts there and the
            // source sends everything after it (its journal holds it: nothing after it was ever accepted).
            long resume = Math.min(Math.min(source.earlier().get(common).endSeq(), sourceSeq),
                    endOnTarget(target, source.earlier().get(common).id()));
            return new Verdict(Outcome.DISCARD_REPLICA, resume, "the source discards the replica's data after seq "
                    + resume + ", where their common generation " + GenerationHistory.hex(
                            source.earlier().get(common).id()) + " ended");
        }
        if (ended >= 0) {
            return new Verdict(Outcome.DIVERGED, 0, "the replica's generation ended at seq "
                    + source.earlier().get(ended).endSeq() + " on the source, but the replica holds seq " + targetSeq);
        }
        if (common == SOURCE_CURRENT) {
            return new Verdict(Outcome.DIVERGED, 0, "the source's generation is an earlier one of the replica's (the "
                    + "source's data restored from an older copy?)");
        }
        return new Verdict(Outcome.DIVERGED, 0, "both sides moved on from a common generation");
    }

    /**
     * {@link #decide}, for a source that leads the group under a higher epoch than any the target admitted before: what
     * {@code decide} refuses as DIVERGED or UNRELATED is a {@link Outcome#TAKEOVER}, resumed after the start of the
     * source's current generation (where the new leader's tenure began: 0 for a first generation; at or below
     * {@code sourceSeq}). A new leader's journal does not continue the old leader's seqs, so nothing the target holds
     * can be resumed after; what its journal holds from before its tenure is older than what the target applied since;
     * its tap resyncs what the target had not applied.
     */
    public static Verdict decideTakingOver(GenerationHistory source, long sourceSeq, GenerationHistory target,
            long targetSeq) {
        Verdict verdict = decide(source, sourceSeq, target, targetSeq);
        if (verdict.accepted() || source.isNone()) {
            return verdict;
        }
        long tenureStart = Math.min(source.earlier().isEmpty() ? 0 : source.earlier().getFirst().endSeq(), sourceSeq);
        return new Verdict(Outcome.TAKEOVER, tenureStart, "a new leader of the source site's gateway group (a higher "
                + "epoch) whose history the replicas do not share (" + verdict.reason() + "), resumed after seq "
                + tenureStart + " where its generation began");
    }

    private static final int NO_COMMON = -2;
    private static final int SOURCE_CURRENT = -1;

    /**
     * Where in the source's history the newest generation both sides know is: {@link #SOURCE_CURRENT}, an index
     * into its earlier generations, or {@link #NO_COMMON}.
     */
    private static int newestCommon(GenerationHistory source, GenerationHistory target) {
        if (target.contains(source.current())) {
            return SOURCE_CURRENT;
        }
        for (int i = 0; i < source.earlier().size(); i++) {
            if (target.contains(source.earlier().get(i).id())) {
                return i;
            }
        }
        return NO_COMMON;
    }

    /** Where generation {@code id} ended in the target's history; {@link Long#MAX_VALUE} while it is current there. */
    private static long endOnTarget(GenerationHistory target, long id) {
        int index = target.indexOfEarlier(id);
        return index < 0 ? Long.MAX_VALUE : target.earlier().get(index).endSeq();
    }

    /** The index of the newest earlier generation whose successor discards the replica, or -1. */
    private static int newestDiscard(GenerationHistory source) {
        for (int i = 0; i < source.earlier().size(); i++) {
            if (source.earlier().get(i).discardsReplica()) {
                return i;
            }
        }
        return -1;
    }
}
