package io.datamover.gateway.target;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.applier.ReplicaState;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsistencyGroupStatusTest {
    private static String groupStateOf(ReplicaState... disks) {
        Map<String, ReplicaState> states = new LinkedHashMap<>();
        for (int i = 0; i < disks.length; i++) {
            states.put("disk" + i, disks[i]);
        }
        return new ConsistencyGroupStatus(1, "p", 0, 0, states, 0, 0, false, null, -1, false, 0, null).groupState();
    }

    @Test
    void aGroupIsOnlyAsGoodAsItsWorstDisk() {
        assertThat(groupStateOf()).isEqualTo("INCONSISTENT");
        assertThat(groupStateOf(ReplicaState.UP_TO_DATE, ReplicaState.UP_TO_DATE)).isEqualTo("UP_TO_DATE");
        assertThat(groupStateOf(ReplicaState.UP_TO_DATE, ReplicaState.INCONSISTENT)).isEqualTo("INCONSISTENT");
        assertThat(groupStateOf(ReplicaState.PROMOTED, ReplicaState.PROMOTED)).isEqualTo("PROMOTED");
        assertThat(groupStateOf(ReplicaState.PROMOTED, ReplicaState.UP_TO_DATE)).isEqualTo("MIXED");
    }

    @Test
    void aGroupWhoseSourceIsRefusedForItsGenerationsIsDiverged() {
        Map<String, ReplicaState> states = Map.of("disk0", ReplicaState.UP_TO_DATE);
        assertThat(new ConsistencyGroupStatus(1, "p", 9, 9, states, 0, 0, false, null, 9, false, 0,
                "DIVERGED: same generation, but the replica holds seq 9, beyond seq 8 of the source").groupState())
                .isEqualTo("DIVERGED");
    }
}
