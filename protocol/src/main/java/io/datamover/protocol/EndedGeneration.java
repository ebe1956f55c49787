package io.datamover.protocol;

/**
 * A generation of a pair's history that has ended: {@code id} covered the consistency group's seqs up to
 * {@code endSeq}, and the generation after it continued from {@code endSeq + 1}.
 *
 * @param discardsReplica the generation after this one was started by an operator's
 *     {@code datamover resync --discard replica}: a replica refused as DIVERGED at or before this point gives up
 *     what it holds and is resynced in full
 */
public record EndedGeneration(long id, long endSeq, boolean discardsReplica) {
    /** Encoded size: id u64, endSeq u64, flags u8. */
    static final int WIRE_BYTES = 8 + 8 + 1;
    /** Flag bit 0 of an entry on the wire. */
    static final int FLAG_DISCARDS_REPLICA = 0x01;

    public EndedGeneration {
        if (id == GenerationHistory.NO_GENERATION) {
            throw new IllegalArgumentException("a generation id is never 0");
        }
        if (endSeq < 0) {
            throw new IllegalArgumentException("endSeq must not be negative, got " + endSeq);
        }
    }

    @Override
    public String toString() {
        return GenerationHistory.hex(id) + "@" + endSeq + (discardsReplica ? "(discards replica)" : "");
    }
}
