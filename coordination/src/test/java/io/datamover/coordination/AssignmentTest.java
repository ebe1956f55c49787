package io.datamover.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class AssignmentTest {
    private static final Set<String> GROUPS = IntStream.rangeClosed(1, 50).mapToObj(i -> "cg" + i)
            .collect(Collectors.toCollection(TreeSet::new));

    @Test
    void newGroupsAreSpreadEvenlyAtOnce() {
        Assignment map = Assignment.EMPTY.rebalance(List.of("a", "b"), GROUPS, Map.of(), 2);
        assertThat(map.groupsOf("a")).hasSize(25);
        assertThat(map.groupsOf("b")).hasSize(25);
        assertThat(map.owners().keySet()).isEqualTo(GROUPS);
    }

    @Test
    void aJoiningGatewayTakesItsShareAtMostMaxMovesAtATime() {
        Assignment map = Assignment.EMPTY.rebalance(List.of("a", "b"), GROUPS, Map.of(), 4);
        List<String> members = List.of("a", "b", "c");
        Assignment next = map.rebalance(members, GROUPS, leadersOf(map), 4);
        assertThat(next.groupsOf("c")).hasSize(4);
        // the moved ones are not led by c yet: nothing more moves
        assertThat(next.rebalance(members, GROUPS, leadersOf(map), 4)).isEqualTo(next);
        int rounds = 1;
        while (rounds < 50) {
            Assignment later = next.rebalance(members, GROUPS, leadersOf(next), 4);
            if (later.equals(next)) {
                break;
            }
            assertThat(moves(next, later)).isLessThanOrEqualTo(4);
            next = later;
            rounds++;
        }
        assertThat(List.of(next.groupsOf("a").size(), next.groupsOf("b").size(), next.groupsOf("c").size()))
                .containsExactlyInAnyOrder(17, 17, 16);
        assertThat(rounds).isEqualTo(4); // 16 groups for c, 4 at a time
    }

    @Test
    void theGroupsOfAGatewayThatLeftMoveAtOnceWhateverTheBound() {
        Assignment map = Assignment.EMPTY.rebalance(List.of("a", "b", "c"), GROUPS, Map.of(), 1);
        Assignment next = map.rebalance(List.of("a", "c"), GROUPS, leadersOf(map), 1);
        assertThat(next.groupsOf("b")).isEmpty();
        assertThat(next.groupsOf("a")).hasSize(25);
        assertThat(next.groupsOf("c")).hasSize(25);
        assertThat(next.groupsOf("a")).containsAll(map.groupsOf("a")); // the others' groups stay where they were
        assertThat(next.groupsOf("c")).containsAll(map.groupsOf("c"));
    }

    @Test
    void aGroupNoLongerKnownIsDroppedAndNoGatewayMeansNoMap() {
        Assignment map = Assignment.EMPTY.rebalance(List.of("a"), Set.of("cg1", "cg2"), Map.of(), 1);
        assertThat(map.rebalance(List.of("a"), Set.of("cg2"), leadersOf(map), 1).owners()).containsOnlyKeys("cg2");
        assertThat(map.rebalance(List.of(), Set.of("cg2"), leadersOf(map), 1)).isEqualTo(Assignment.EMPTY);
    }

    @Test
    void storedAsLinesAndAnythingElseIsRefused() {
        Assignment map = Assignment.EMPTY.rebalance(List.of("a", "b"), Set.of("cg1", "cg2"), Map.of(), 1);
        assertThat(new String(map.encode())).isEqualTo("cg1 a\ncg2 b\n");
        assertThat(Assignment.decode(map.encode())).isEqualTo(map);
        assertThat(Assignment.decode(null)).isEqualTo(Assignment.EMPTY);
        assertThatThrownBy(() -> Assignment.decode("cg1 a b\n".getBytes())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Assignment.decode("cg1 ../a\n".getBytes()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> map.rebalance(List.of("a"), Set.of(), Map.of(), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLeaderNodeSaysWhoLeadsUnderWhichEpochAndWhere() {
        GroupLeader leader = new GroupLeader("gw-1", 7, "10.0.0.5:7000");
        assertThat(GroupLeader.decode(leader.encode())).isEqualTo(leader);
        GroupLeader noAddress = new GroupLeader("gw-1", 7, "");
        assertThat(GroupLeader.decode(noAddress.encode())).isEqualTo(noAddress);
        assertThatThrownBy(() -> GroupLeader.decode("gw-1 x -".getBytes())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new GroupLeader("gw-1", 0, "")).isInstanceOf(IllegalArgumentException.class);
    }

    /** Every group led by the gateway it is assigned to: settled. */
    private static Map<String, String> leadersOf(Assignment map) {
        return new HashMap<>(map.owners());
    }

    private static long moves(Assignment before, Assignment after) {
        return after.owners().entrySet().stream().filter(e -> !e.getValue().equals(before.ownerOf(e.getKey())))
                .count();
    }
}
