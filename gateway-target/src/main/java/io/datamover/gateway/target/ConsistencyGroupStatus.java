package io.datamover.gateway.target;

import io.datamover.applier.ReplicaState;
import java.util.Map;
import java.util.Optional;

/**
 * A read-only snapshot of one consistency group at the target, for {@code status} and tests.
 *
 * @param cgId the consistency group
 * @param pairId the pair its replicas are stamped with
 * @param appliedSeq highest seq applied and durable on the replicas
 * @param heldSeq highest seq held durably (spooled or applied): what a connecting source resumes after
 * @param replicaStates state of each replica disk, by disk name, in declaration order
 * @param spoolBytes bytes spooled and not yet applied
 * @param spoolBatches batches spooled and not yet applied
 * @param sourceConnected whether a source gateway is attached
 * @param applyFailure why applying stopped (the replicas stay at {@code appliedSeq}); null while applying runs
 */
public record ConsistencyGroupStatus(int cgId, String pairId, long appliedSeq, long heldSeq,
        Map<String, ReplicaState> replicaStates, long spoolBytes, int spoolBatches, boolean sourceConnected,
        String applyFailure) {
    public ConsistencyGroupStatus {
        replicaStates = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(replicaStates));
    }

    public Optional<String> failure() {
        return Optional.ofNullable(applyFailure);
    }
}
