package io.datamover.applier;

import io.datamover.protocol.GenerationHistory;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an undo log protects: the consistency group, the region size its entries cover, the applied seq of the
 * consistent image ({@code consistentSeq}) and every disk's replica state at that seq, by disk id in declaration
 * order. Only disks UP_TO_DATE at {@code consistentSeq} are protected: a disk that was INCONSISTENT then is part of
 * no consistent image, so its writes are not logged and a rollback leaves it INCONSISTENT.
 *
 * @param discarded set when the image was given up by a discard ({@code resync --discard replica}, reverse
 *     replication, a takeover), whose resync writes after another seq in another history; null for a resync that
 *     continues the image's history
 */
record UndoLogHeader(int cgId, int regionBytes, long consistentSeq, Map<Integer, ReplicaState> states,
        Discarded discarded) {

    /**
     * The image a discard gave up: the replicas restarted at {@code seq} in another history; {@code history} is the
     * image's own, which a rollback records again.
     */
    record Discarded(long seq, GenerationHistory history) {}

    UndoLogHeader {
        if (regionBytes <= 0 || Integer.bitCount(regionBytes) != 1) {
            throw new IllegalArgumentException("regionBytes must be a power of two: " + regionBytes);
        }
        if (consistentSeq < 0) {
            throw new IllegalArgumentException("consistentSeq must be >= 0: " + consistentSeq);
        }
        states = Collections.unmodifiableMap(new LinkedHashMap<>(states));
    }

    /** The header of a resync that continues the image's history. */
    UndoLogHeader(int cgId, int regionBytes, long consistentSeq, Map<Integer, ReplicaState> states) {
        this(cgId, regionBytes, consistentSeq, states, null);
    }

    /** Whether writes to {@code diskId} must save their before-images: the disk was consistent at consistentSeq. */
    boolean protects(int diskId) {
        return states.get(diskId) == ReplicaState.UP_TO_DATE;
    }

    /**
     * Whether the replicas no longer need the protected image: they are past the seq the resync's writes follow and
     * every disk it protects is UP_TO_DATE again (its SYNC_END applied and recorded); or a discard's log whose stamp
     * was never written (the replicas still hold the image, in its history).
     */
    boolean outgrownBy(long appliedSeq, Map<Integer, ReplicaState> current, GenerationHistory history) {
        if (discarded != null && discarded.history().equals(history)) {
            return true; // a crash between the log's creation and the discard's stamp: nothing was written under it
        }
        long writesAfter = discarded == null ? consistentSeq : discarded.seq();
        if (appliedSeq <= writesAfter) {
            return false; // the batch that began the resync may be half written: keep the image
        }
        for (Map.Entry<Integer, ReplicaState> protectedDisk : states.entrySet()) {
            if (protectedDisk.getValue() == ReplicaState.UP_TO_DATE
                    && current.get(protectedDisk.getKey()) != ReplicaState.UP_TO_DATE) {
                return false;
            }
        }
        return true;
    }
}
