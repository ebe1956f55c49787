package io.datamover.applier;

/**
 * What a replica disk is good for, as DRBD's disk states: stored per disk in the replica stamp with the applied
 * seq, changed only through {@link ReplicaStateTransitions}. The codes are part of the stamp format: never
 * renumber.
 */
public enum ReplicaState {
    /** Never fully synced, or a resync is under way (from SYNC_BEGIN to SYNC_END): not usable for failover. */
    INCONSISTENT(1),
    /** Equals the source at a batch boundary (the applied seq): usable for failover; the lag says how old. */
    UP_TO_DATE(2),
    /** Made writable by a failover; replication into it has stopped and batches are refused. */
    PROMOTED(3);

    private final int code;

    ReplicaState(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }

    /** The state stored under {@code code}, or null when the code is unknown. */
    static ReplicaState fromCode(int code) {
        for (ReplicaState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return null;
    }
}
