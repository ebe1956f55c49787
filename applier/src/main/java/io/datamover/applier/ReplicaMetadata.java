package io.datamover.applier;

import io.datamover.protocol.DiskInfo;
import java.util.List;

/**
 * The stamp of a replica directory: which pair and consistency group own it, which disks it holds, and the
 * highest seq whose batch is applied and durable.
 */
public record ReplicaMetadata(String pairId, int cgId, List<DiskInfo> disks, long appliedSeq) {
    public ReplicaMetadata {
        disks = List.copyOf(disks);
        if (appliedSeq < 0) {
            throw new IllegalArgumentException("appliedSeq must be >= 0, got " + appliedSeq);
        }
    }

    public ReplicaMetadata withAppliedSeq(long seq) {
        return new ReplicaMetadata(pairId, cgId, disks, seq);
    }
}
