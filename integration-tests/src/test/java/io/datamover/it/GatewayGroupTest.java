package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.coordination.CoordinationConfig;
import io.datamover.coordination.Coordinator;
import io.datamover.coordination.Leadership;
import io.datamover.coordination.LeadershipRole;
import io.datamover.coordination.MonotonicClock;
import io.datamover.it.ensemble.ContenderProcess;
import io.datamover.it.ensemble.ZooKeeperEnsemble;
import io.datamover.it.ensemble.ZooKeeperNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gateways contending for consistency groups on a real three-node ZooKeeper ensemble (three QuorumPeerMain JVMs):
 * one leader per group, an epoch that rises on every takeover, leadership that survives the loss of a ZooKeeper
 * server, and a leader cut off from the ensemble that demotes itself before another gateway can take over. Each test
 * uses its own site, so they share one ensemble.
 */
class GatewayGroupTest {
    /** Short: the tests that take over wait for the ensemble to expire a session. */
    private static final Duration SESSION = Duration.ofSeconds(5);
    /**
     * For the test where no session is to expire: a fencing window (5 s) that the client's move to another server
     * (a quorum election included, when the killed server led) stays well within on a busy machine.
     */
    private static final Duration LONG_SESSION = Duration.ofSeconds(10);
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final List<String> GROUPS = List.of("cg1", "cg2", "cg3");

    @TempDir
    static Path dir;
    private static ZooKeeperEnsemble ensemble;

    @BeforeAll
    static void startEnsemble() throws Exception {
        ensemble = ZooKeeperEnsemble.start(dir, 3);
    }

    @AfterAll
    static void stopEnsemble() throws Exception {
        if (ensemble != null) {
            ensemble.close();
        }
    }

    @Test
    void eachGroupHasOneLeaderAndItsEpochRisesOnEveryTakeover() throws Exception {
        Coordinator a = gateway(ensemble.connectString(), "site-takeover", "a");
        Coordinator b = gateway(ensemble.connectString(), "site-takeover", "b");
        try {
            contendAll(a);
            awaitOneLeaderEach(List.of(a)); // a leads every group, b stands by
            contendAll(b);
            assertThat(b.members()).containsExactly("a", "b");
            Map<String, Long> epochs = awaitOneLeaderEach(List.of(a, b));

            a.close(); // its session ends: its locks go at once
            Map<String, Long> afterA = awaitOneLeaderEach(List.of(b));
            assertRisen(epochs, afterA);
            assertThat(b.members()).containsExactly("b");

            Coordinator again = gateway(ensemble.connectString(), "site-takeover", "a");
            a = again;
            contendAll(again);
            b.close();
            Map<String, Long> afterB = awaitOneLeaderEach(List.of(again));
            assertRisen(afterA, afterB);
            for (String group : GROUPS) {
                assertThat(again.storedEpoch(group)).isEqualTo(afterB.get(group));
            }
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void killingALeadingGatewayProcessMovesItsGroupsUnderHigherEpochs() throws Exception {
        Map<String, Long> epochs;
        try (ContenderProcess killed = ContenderProcess.start(ensemble.connectString(), "site-kill", "killed",
                SESSION, GROUPS, dir.resolve("contender-killed.log"));
                Coordinator survivor = gateway(ensemble.connectString(), "site-kill", "survivor")) {
            await().atMost(DEADLINE).until(() -> GROUPS.stream().allMatch(g -> killed.changes().stream()
                    .anyMatch(line -> line.startsWith(g + " LEADING "))));
            contendAll(survivor);
            epochs = new HashMap<>();
            for (String group : GROUPS) {
                epochs.put(group, survivor.storedEpoch(group));
                assertThat(survivor.leadership(group).role()).isEqualTo(LeadershipRole.STANDBY);
            }
            assertThat(survivor.members()).containsExactly("killed", "survivor");

            killed.kill9(); // its session lives on until the ensemble expires it: then the locks move
            Map<String, Long> after = awaitOneLeaderEach(List.of(survivor));
            assertRisen(epochs, after);
            assertThat(survivor.members()).containsExactly("survivor");
        }
    }

    @Test
    void killingTheZooKeeperServerOfALeaderKeepsTheLeaderAndItsEpoch() throws Exception {
        try (Coordinator leader = gateway(ensemble.connectString(), "site-zk-loss", "leader", LONG_SESSION);
                Coordinator standby = gateway(ensemble.connectString(), "site-zk-loss", "standby", LONG_SESSION)) {
            contendAll(leader);
            Map<String, Long> epochs = awaitOneLeaderEach(List.of(leader));
            contendAll(standby);
            long session = leader.sessionId();
            ZooKeeperNode server = awaitServerOf(session);
            try {
                server.kill9();
                await().atMost(DEADLINE).until(() -> {
                    ZooKeeperNode now = ensemble.serverOf(session);
                    return now != null && now != server;
                });
                assertThat(leader.sessionId()).isEqualTo(session);
                await().atMost(DEADLINE).until(() -> GROUPS.stream().allMatch(g -> leader.leadingEpoch(g).isPresent()));
                for (String group : GROUPS) {
                    assertThat(leader.leadingEpoch(group)).hasValue(epochs.get(group));
                    assertThat(standby.leadership(group).role()).isEqualTo(LeadershipRole.STANDBY);
                }
            } finally {
                server.start();
                ensemble.awaitQuorum();
            }
        }
    }

    @Test
    void aLeaderCutOffFromTheEnsembleDemotesItselfBeforeAnotherTakesOver() throws Exception {
        ZooKeeperNode isolated = ensemble.node(1);
        Queue<Leadership> cutOffChanges = new ConcurrentLinkedQueue<>();
        Queue<OptionalLong> cutOffAtTakeover = new ConcurrentLinkedQueue<>();
        AtomicInteger bothLeading = new AtomicInteger();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        // connected to one server only: pausing it cuts this gateway off while the other two keep the quorum
        try (Coordinator cutOff = gateway(isolated.connectString(), "site-cut-off", "cut-off");
                Coordinator other = gateway(ensemble.connectStringWithout(isolated), "site-cut-off", "other")) {
            cutOff.contend("cg1", (group, leadership) -> cutOffChanges.add(leadership));
            await().atMost(DEADLINE).until(() -> cutOff.leadingEpoch("cg1").isPresent());
            long before = cutOff.leadingEpoch("cg1").getAsLong();
            other.contend("cg1", (group, leadership) -> {
                if (leadership.role() == LeadershipRole.LEADING) {
                    cutOffAtTakeover.add(cutOff.leadingEpoch("cg1")); // what the deposed leader believes now
                }
            });
            sampler.scheduleAtFixedRate(() -> {
                if (cutOff.leadingEpoch("cg1").isPresent() && other.leadingEpoch("cg1").isPresent()) {
                    bothLeading.incrementAndGet();
                }
            }, 0, 5, TimeUnit.MILLISECONDS);

            isolated.pause();
            try {
                await().atMost(DEADLINE).until(() -> other.leadingEpoch("cg1").isPresent());
                assertThat(other.leadingEpoch("cg1").getAsLong()).isGreaterThan(before);
                assertThat(cutOffAtTakeover).containsExactly(OptionalLong.empty());
                assertThat(cutOff.leadingEpoch("cg1")).isEmpty();
                await().atMost(DEADLINE).until(() -> cutOffChanges.stream()
                        .anyMatch(l -> l.role() == LeadershipRole.DEMOTED && l.epoch() == before));
            } finally {
                isolated.resume();
            }
            // back in contact, its session is gone: it stands by and never leads again while the other does
            await().atMost(DEADLINE).until(() -> cutOff.leadership("cg1").role() == LeadershipRole.STANDBY);
            assertThat(cutOff.leadingEpoch("cg1")).isEmpty();
            assertThat(other.leadingEpoch("cg1")).isPresent();
            assertThat(bothLeading).hasValue(0);
            assertThat(cutOffChanges).noneMatch(l -> l.role() == LeadershipRole.LEADING && l.epoch() != before);
        } finally {
            sampler.shutdownNow();
            ensemble.awaitQuorum();
        }
    }

    private static Coordinator gateway(String connectString, String site, String id) throws Exception {
        return gateway(connectString, site, id, SESSION);
    }

    private static Coordinator gateway(String connectString, String site, String id, Duration session)
            throws Exception {
        return Coordinator.connect(new CoordinationConfig(connectString, site, id, session, DEADLINE),
                MonotonicClock.system());
    }

    private static void contendAll(Coordinator gateway) throws Exception {
        for (String group : GROUPS) {
            gateway.contend(group, (g, leadership) -> {});
        }
    }

    /** Waits until every group has a leader among {@code gateways}; checks it is the only one; the epochs. */
    private static Map<String, Long> awaitOneLeaderEach(List<Coordinator> gateways) {
        Map<String, Long> epochs = new HashMap<>();
        for (String group : GROUPS) {
            await().atMost(DEADLINE).until(() -> gateways.stream().anyMatch(g -> g.leadingEpoch(group).isPresent()));
            List<Long> leading = gateways.stream().map(g -> g.leadingEpoch(group)).filter(OptionalLong::isPresent)
                    .map(OptionalLong::getAsLong).toList();
            assertThat(leading).as("leaders of %s", group).hasSize(1);
            epochs.put(group, leading.getFirst());
        }
        return epochs;
    }

    private static void assertRisen(Map<String, Long> before, Map<String, Long> after) {
        for (String group : GROUPS) {
            assertThat(after.get(group)).as("epoch of %s", group).isGreaterThan(before.get(group));
        }
    }

    private static ZooKeeperNode awaitServerOf(long session) {
        return await().atMost(DEADLINE).until(() -> ensemble.serverOf(session), server -> server != null);
    }
}
