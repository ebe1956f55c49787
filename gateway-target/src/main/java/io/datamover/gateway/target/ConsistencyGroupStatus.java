package io.datamover.gateway.target;

import io.datamover.applier.ReplicaState;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.ReplicationRole;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

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
 * @param consistentSeq applied seq of the last consistent image the replicas can give back (the replicas
 *        themselves when every disk is UP_TO_DATE, the undo log's image during a resync); -1 when there is none
 *        (an initial sync)
 * @param resyncProtected whether an undo log holds that image because a resync made the replicas INCONSISTENT
 * @param undoLogBytes bytes of that undo log, 0 without one
 * @param generationRefusal why the latest source was refused as DIVERGED or UNRELATED (docs/protocol.md,
 *        "Generations"), or null when it was accepted
 * @param generation the replicas' current generation id ({@link GenerationHistory#NO_GENERATION} before one)
 * @param operation the operation in progress with its step (a failover), or null when none
 */
public record ConsistencyGroupStatus(int cgId, String pairId, long appliedSeq, long heldSeq,
        Map<String, ReplicaState> replicaStates, long spoolBytes, int spoolBatches, boolean sourceConnected,
        String applyFailure, long consistentSeq, boolean resyncProtected, long undoLogBytes,
        String generationRefusal, long generation, String operation) {
    /** The state of a group whose latest source was refused because their histories disagree. */
    public static final String DIVERGED = "DIVERGED";
    /** Some disks promoted by a failover, others not. */
    public static final String MIXED = "MIXED";
    /** Every state {@link #groupState()} can return. */
    public static final List<String> GROUP_STATES = List.of(ReplicaState.INCONSISTENT.name(),
            ReplicaState.UP_TO_DATE.name(), ReplicaState.PROMOTED.name(), MIXED, DIVERGED);

    /** A group with no generation yet and no operation under way. */
    public ConsistencyGroupStatus(int cgId, String pairId, long appliedSeq, long heldSeq,
            Map<String, ReplicaState> replicaStates, long spoolBytes, int spoolBatches, boolean sourceConnected,
            String applyFailure, long consistentSeq, boolean resyncProtected, long undoLogBytes,
            String generationRefusal) {
        this(cgId, pairId, appliedSeq, heldSeq, replicaStates, spoolBytes, spoolBatches, sourceConnected,
                applyFailure, consistentSeq, resyncProtected, undoLogBytes, generationRefusal,
                GenerationHistory.NO_GENERATION, null);
    }

    public ConsistencyGroupStatus {
        replicaStates = Collections.unmodifiableMap(new LinkedHashMap<>(replicaStates));
    }

    /** This snapshot with {@code refusal} as the latest source's refusal for its generations (null: none). */
    public ConsistencyGroupStatus withGenerationRefusal(String refusal) {
        return new ConsistencyGroupStatus(cgId, pairId, appliedSeq, heldSeq, replicaStates, spoolBytes, spoolBatches,
                sourceConnected, applyFailure, consistentSeq, resyncProtected, undoLogBytes, refusal, generation,
                operation);
    }

    /** Whether a consistent image can be recovered (failed over to), and at which seq. */
    public OptionalLong consistentImage() {
        return consistentSeq < 0 ? OptionalLong.empty() : OptionalLong.of(consistentSeq);
    }

    /**
     * The group's state: DIVERGED while its latest source is refused for its generations; else only as good as its
     * worst disk: INCONSISTENT if any disk is (or none is known yet), PROMOTED if all are, MIXED if only some are
     * promoted, else UP_TO_DATE.
     */
    public String groupState() {
        if (generationRefusal != null) {
            return DIVERGED;
        }
        var states = replicaStates.values();
        if (states.isEmpty() || states.contains(ReplicaState.INCONSISTENT)) {
            return ReplicaState.INCONSISTENT.name();
        }
        if (states.stream().allMatch(ReplicaState.PROMOTED::equals)) {
            return ReplicaState.PROMOTED.name();
        }
        return states.contains(ReplicaState.PROMOTED) ? MIXED : ReplicaState.UP_TO_DATE.name();
    }

    /** What this site is for the group: DIVERGED while refused for its generations, PROMOTED once failed over. */
    public ReplicationRole role() {
        if (generationRefusal != null) {
            return ReplicationRole.DIVERGED;
        }
        boolean promoted = !replicaStates.isEmpty()
                && replicaStates.values().stream().allMatch(ReplicaState.PROMOTED::equals);
        return promoted ? ReplicationRole.PROMOTED : ReplicationRole.SECONDARY;
    }

    public Optional<String> failure() {
        return Optional.ofNullable(applyFailure);
    }
}
