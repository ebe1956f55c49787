package io.datamover.applier;

import io.datamover.applier.ApplyException.Reason;
import io.datamover.protocol.RecordKind;

/**
 * The one place that decides how a replica disk's state may change (as DRBD's {@code is_valid_transition}).
 * The applier moves a disk only on markers: SYNC_BEGIN makes it INCONSISTENT (from INCONSISTENT too: a resync
 * that starts over), SYNC_END makes an INCONSISTENT disk UP_TO_DATE. A SYNC_END without a sync under way means
 * the source and the replica disagree about the disk, so it is refused rather than taken on trust. Nothing the
 * applier does leads into or out of PROMOTED: that belongs to failover, and a promoted replica takes no batch.
 */
final class ReplicaStateTransitions {
    private ReplicaStateTransitions() {}

    /** The state of disk {@code diskName} in {@code current} after the applier applies {@code marker} at {@code seq}. */
    static ReplicaState afterMarker(ReplicaState current, RecordKind marker, String diskName, long seq)
            throws ApplyException {
        requireReplicating(current, diskName);
        return switch (marker) {
            case SYNC_BEGIN -> ReplicaState.INCONSISTENT;
            case SYNC_END -> {
                if (current != ReplicaState.INCONSISTENT) {
                    throw new ApplyException(Reason.INVALID_STATE_TRANSITION, "seq " + seq + ": SYNC_END for disk "
                            + diskName + ", which is " + current + " (no sync under way)");
                }
                yield ReplicaState.UP_TO_DATE;
            }
            case DATA, ZERO, TRIM -> throw new IllegalArgumentException(marker + " is not a marker");
        };
    }

    /** Refuses replication into a disk that failover has made writable. */
    static void requireReplicating(ReplicaState current, String diskName) throws ApplyException {
        if (current == ReplicaState.PROMOTED) {
            throw new ApplyException(Reason.REPLICA_PROMOTED, "replica disk " + diskName
                    + " is PROMOTED (failed over): it takes no more batches");
        }
    }
}
