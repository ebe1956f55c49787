package io.datamover.gateway.source.journal;

/** A record whose seq is not the one after the last appended: the tap broke the gap-free order. */
public final class OutOfSequenceException extends Exception {
    private final long expectedSeq;
    private final long actualSeq;

    public OutOfSequenceException(long expectedSeq, long actualSeq) {
        super("journal expects seq " + expectedSeq + ", got " + actualSeq);
        this.expectedSeq = expectedSeq;
        this.actualSeq = actualSeq;
    }

    public long expectedSeq() {
        return expectedSeq;
    }

    public long actualSeq() {
        return actualSeq;
    }
}
