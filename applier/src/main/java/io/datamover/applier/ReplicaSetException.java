package io.datamover.applier;

import io.datamover.protocol.ErrorCode;
import java.io.IOException;

/**
 * A replica directory cannot be opened as asked: it belongs to another pair, its metadata is damaged or of
 * another version, or its disks do not match the declared ones. Nothing was written when this is thrown.
 */
public final class ReplicaSetException extends IOException {
    /** Why the replica set was refused; stable names for logs and metric tags. */
    public enum Reason {
        /** The replicas are stamped with another replication pair or consistency group. */
        WRONG_PAIR(ErrorCode.WRONG_PAIR),
        /** The metadata file is truncated, has a bad magic or CRC, or is not parseable. */
        CORRUPT_METADATA(ErrorCode.STORAGE_FAILURE),
        /** The metadata file was written by a format version this build does not read. */
        UNSUPPORTED_VERSION(ErrorCode.STORAGE_FAILURE),
        /** A replica file or the recorded disk list does not match the declared disks. */
        DISK_MISMATCH(ErrorCode.INCOMPATIBLE),
        /** Another process (a running target gateway, {@code datamover rollback}) has the replica set open. */
        IN_USE(ErrorCode.STORAGE_FAILURE);

        private final ErrorCode errorCode;

        Reason(ErrorCode errorCode) {
            this.errorCode = errorCode;
        }

        /** The protocol error a gateway sends when it cannot open the replicas for a peer. */
        public ErrorCode errorCode() {
            return errorCode;
        }
    }

    private final Reason reason;

    public ReplicaSetException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public ReplicaSetException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
