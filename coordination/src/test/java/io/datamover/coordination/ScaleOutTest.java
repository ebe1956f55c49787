package io.datamover.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out on a real ZooKeeper server (the embedded one), three gateways in this JVM: 50 groups spread evenly over
 * two; a third joins and takes its share, at most a few groups on the move at once; one leaves and its groups move to
 * the others. Sampled at every poll: no group ever has two gateways that may lead it.
 */
class ScaleOutTest {
    private static final Duration SESSION = Duration.ofSeconds(2);
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final int MAX_MOVES = 5;
    private static final List<String> GROUPS = IntStream.rangeClosed(1, 50).mapToObj(i -> "cg" + i).toList();

    @TempDir
    Path dataDir;

    private final List<Coordinator> gateways = new ArrayList<>();
    private final AtomicInteger doubleLeaders = new AtomicInteger();

    @Test
    void groupsSpreadOverTheLiveGatewaysAndMoveWhenOneJoinsOrLeaves() throws Exception {
        try (EmbeddedZooKeeper server = EmbeddedZooKeeper.start(dataDir, 0);
                Coordinator gw1 = join(server, "gw1");
                Coordinator gw2 = join(server, "gw2")) {
            for (String group : GROUPS) {
                gw1.register(group); // as the first contact of each group's tap would
            }
            awaitLoads(List.of(gw1, gw2), 25, 25);
            GroupLeader leader = gw1.leaderOf("cg1").orElseThrow();
            Coordinator leading = leader.gatewayId().equals("gw1") ? gw1 : gw2;
            assertThat(leader.address()).isEqualTo("127.0.0.1:700" + leader.gatewayId().charAt(2));
            assertThat(leader.epoch()).isEqualTo(leading.leadingEpoch("cg1").orElseThrow());
            assertThat(gw1.assigning() ^ gw2.assigning()).as("one assigner per site").isTrue();

            try (Coordinator gw3 = join(server, "gw3")) {
                awaitLoads(List.of(gw1, gw2, gw3), 16, 17);
                for (String group : gw3.contending()) {
                    if (gw3.leadingEpoch(group).isPresent()) {
                        assertThat(gw3.leadingEpoch(group).getAsLong()).as("a moved group's epoch rose")
                                .isGreaterThanOrEqualTo(2);
                        assertThat(gw3.lastWait(group)).as("the takeover's wait for the lock").isPositive();
                    }
                }
                gateways.remove(gw1);
                gw1.close(); // it leaves: its groups move to the other two
                awaitLoads(List.of(gw2, gw3), 25, 25);
                assertThat(gw2.members()).containsExactly("gw2", "gw3");
            }
        }
        assertThat(doubleLeaders.get()).as("samples in which a group had two leaders").isZero();
    }

    private Coordinator join(EmbeddedZooKeeper server, String id) throws Exception {
        Coordinator gateway = Coordinator.connect(new CoordinationConfig(server.connectString(), "site", id, SESSION,
                DEADLINE, "127.0.0.1:700" + id.charAt(2)), MonotonicClock.system());
        gateway.scaleOut(MAX_MOVES, (group, leadership) -> { });
        gateways.add(gateway);
        return gateway;
    }

    /** Until every group is led by exactly one of {@code live}, each leading between {@code min} and {@code max}. */
    private void awaitLoads(List<Coordinator> live, int min, int max) {
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            Map<String, Integer> leaders = new TreeMap<>();
            List<Integer> loads = new ArrayList<>();
            for (Coordinator gateway : gateways) {
                int load = 0;
                for (String group : GROUPS) {
                    if (gateway.leadingEpoch(group).isPresent()) {
                        leaders.merge(group, 1, Integer::sum);
                        load++;
                    }
                }
                if (live.contains(gateway)) {
                    loads.add(load);
                }
            }
            if (leaders.values().stream().anyMatch(n -> n > 1)) {
                doubleLeaders.incrementAndGet();
            }
            return leaders.size() == GROUPS.size() && loads.stream().allMatch(l -> l >= min && l <= max);
        });
    }
}
