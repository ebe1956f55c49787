package io.datamover.applier;

import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.GenerationHistory;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stamp of a replica directory: which pair and consistency group own it, which disks it holds, the state of
 * each disk ({@code states.get(i)} is that of {@code disks.get(i)}), and the highest seq whose batch is applied
 * and durable. States and applied seq change together, in one stamp write. {@code generations} is the pair's history
 * the replicas belong to (docs/protocol.md, "Generations"); {@link GenerationHistory#NONE} until a source's is
 * adopted.
 */
public record ReplicaMetadata(String pairId, int cgId, List<DiskInfo> disks, List<ReplicaState> states,
        long appliedSeq, GenerationHistory generations) {
    /** A stamp without a generation yet. */
    public ReplicaMetadata(String pairId, int cgId, List<DiskInfo> disks, List<ReplicaState> states, long appliedSeq) {
        this(pairId, cgId, disks, states, appliedSeq, GenerationHistory.NONE);
    }

    public ReplicaMetadata {
        if (generations == null) {
            throw new IllegalArgumentException("generations is required (GenerationHistory.NONE for none)");
        }
        disks = List.copyOf(disks);
        states = List.copyOf(states);
        if (states.size() != disks.size()) {
            throw new IllegalArgumentException(states.size() + " replica states for " + disks.size() + " disks");
        }
        if (appliedSeq < 0) {
            throw new IllegalArgumentException("appliedSeq must be >= 0, got " + appliedSeq);
        }
    }

    /** The stamp of a new replica set: nothing applied, every disk INCONSISTENT until its first sync ends. */
    public static ReplicaMetadata initial(String pairId, int cgId, List<DiskInfo> disks) {
        return new ReplicaMetadata(pairId, cgId, disks, Collections.nCopies(disks.size(), ReplicaState.INCONSISTENT), 0);
    }

    /** The state of every disk, by disk id, in declaration order: a read-only map. */
    public Map<Integer, ReplicaState> statesById() {
        Map<Integer, ReplicaState> byId = new LinkedHashMap<>();
        for (int i = 0; i < disks.size(); i++) {
            byId.put(disks.get(i).id(), states.get(i));
        }
        return Collections.unmodifiableMap(byId);
    }

    public ReplicaMetadata withApplied(long seq, List<ReplicaState> nextStates) {
        return new ReplicaMetadata(pairId, cgId, disks, nextStates, seq, generations);
    }

    /** This stamp with {@code grown} as its disks (the same disks, some larger). */
    public ReplicaMetadata withDisks(List<DiskInfo> grown) {
        return new ReplicaMetadata(pairId, cgId, grown, states, appliedSeq, generations);
    }

    /** Whether every disk is PROMOTED: a failover (or a planned migration) made these replicas the VM's disks. */
    public boolean promoted() {
        return states.stream().allMatch(ReplicaState.PROMOTED::equals);
    }

    public ReplicaMetadata withGenerations(GenerationHistory history) {
        return new ReplicaMetadata(pairId, cgId, disks, states, appliedSeq, history);
    }
}
