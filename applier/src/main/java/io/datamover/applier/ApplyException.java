package io.datamover.applier;

import io.datamover.protocol.ErrorCode;

/** A batch was refused before anything was written: the replicas and the applied seq are unchanged. */
public final class ApplyException extends Exception {
    /** Why the batch was refused; stable names for logs and metric tags. */
    public enum Reason {
        /** The batch does not start right after the applied seq (and is not already applied). */
        SEQ_GAP(ErrorCode.SEQ_GAP),
        /** The batch is for another consistency group. */
        WRONG_CG(ErrorCode.WRONG_PAIR),
        /** An entry names a disk the replica set does not hold. */
        UNKNOWN_DISK(ErrorCode.MALFORMED),
        /** An entry's range goes past the end of its disk. */
        OUT_OF_RANGE(ErrorCode.MALFORMED),
        /** An entry's seq is outside the batch or not increasing. */
        BAD_ENTRY_SEQ(ErrorCode.SEQ_GAP),
        /** An entry's payload does not match the CRC taken at the tap. */
        CRC_MISMATCH(ErrorCode.CRC_MISMATCH),
        /** A marker asks for a replica state change that is not allowed (SYNC_END without a sync under way). */
        INVALID_STATE_TRANSITION(ErrorCode.MALFORMED),
        /** A replica disk of the set was promoted by a failover: replication into it has stopped. */
        REPLICA_PROMOTED(ErrorCode.INCOMPATIBLE),
        /**
         * Saving the before-images of the batch would take the undo log of a resync past its bound: applying stops
         * (the batch waits in the spool, the consistent image stays recoverable) until an operator raises the bound
         * or rolls back.
         */
        UNDO_LOG_FULL(ErrorCode.STORAGE_FAILURE);

        private final ErrorCode errorCode;

        Reason(ErrorCode errorCode) {
            this.errorCode = errorCode;
        }

        /** The protocol error a gateway sends for this refusal. */
        public ErrorCode errorCode() {
            return errorCode;
        }
    }

    private final Reason reason;

    public ApplyException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
