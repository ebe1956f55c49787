package io.datamover.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --coordination embedded}: one gateway on the standalone ZooKeeper server inside it, on loopback. */
class EmbeddedCoordinationTest {
    private static final Duration SESSION = Duration.ofSeconds(2);
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    @Test
    void oneGatewayLeadsItsGroupsAndTheEpochOutlivesARestart() throws Exception {
        Path zookeeperDir = dataDir.resolve("zookeeper");
        try (EmbeddedZooKeeper server = EmbeddedZooKeeper.start(zookeeperDir, 0);
                Coordinator gateway = connect(server, "gw1")) {
            gateway.contend("cg1", (group, leadership) -> {});
            gateway.contend("cg2", (group, leadership) -> {});
            await().atMost(DEADLINE).until(() -> gateway.leadingEpoch("cg1").isPresent()
                    && gateway.leadingEpoch("cg2").isPresent());
            assertThat(gateway.leadingEpoch("cg1")).hasValue(1);
            assertThat(gateway.members()).containsExactly("gw1");
            assertThat(gateway.leadingEpoch("unknown")).isEmpty();
        }
        // the gateway restarts on the same data directory: the next tenure is under a higher epoch
        try (EmbeddedZooKeeper server = EmbeddedZooKeeper.start(zookeeperDir, 0);
                Coordinator gateway = connect(server, "gw1")) {
            gateway.contend("cg1", (group, leadership) -> {});
            await().atMost(DEADLINE).until(() -> gateway.leadingEpoch("cg1").isPresent());
            assertThat(gateway.leadingEpoch("cg1")).hasValue(2);
        }
    }

    @Test
    void aRestartAfterACrashClosesTheDeadRunsSessionSoItsLocksGoAtOnce() throws Exception {
        Path zookeeperDir = dataDir.resolve("zookeeper");
        EmbeddedZooKeeper crashed = EmbeddedZooKeeper.start(zookeeperDir, 0);
        CuratorFramework deadRun = CuratorFrameworkFactory.builder().connectString(crashed.connectString())
                .sessionTimeoutMs(10_000).retryPolicy(new RetryOneTime(100)).build();
        try {
            deadRun.start();
            deadRun.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath("/lock/held");
        } finally {
            crashed.close(); // the server goes; its client never closes its session (as with kill -9)
        }
        try (EmbeddedZooKeeper restarted = EmbeddedZooKeeper.start(zookeeperDir, 0);
                CuratorFramework client = CuratorFrameworkFactory.newClient(restarted.connectString(),
                        new RetryOneTime(100))) {
            client.start();
            // well within the dead session's 10 s timeout: it was closed, not left to expire
            await().atMost(Duration.ofSeconds(5)).until(() -> client.checkExists().forPath("/lock/held") == null);
        } finally {
            deadRun.close();
        }
    }

    @Test
    void racingRaisesOfAnEpochNeverHandOutTheSameValue() throws Exception {
        try (EmbeddedZooKeeper server = EmbeddedZooKeeper.start(dataDir, 0);
                CuratorFramework client = CuratorFrameworkFactory.newClient(server.connectString(),
                        new RetryOneTime(100))) {
            client.start();
            String lock = client.create().creatingParentsIfNeeded().forPath("/lock");
            EpochCounter counter = new EpochCounter(client, "/groups/cg/epoch");
            ExecutorService raisers = Executors.newFixedThreadPool(4);
            List<Future<Optional<Long>>> raises = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                raises.add(raisers.submit(() -> counter.raiseHolding(lock)));
            }
            List<Long> epochs = new ArrayList<>();
            for (Future<Optional<Long>> raise : raises) {
                epochs.add(raise.get().orElseThrow());
            }
            raisers.shutdown();
            assertThat(epochs).doesNotHaveDuplicates().hasSize(40);
            assertThat(counter.current()).isEqualTo(40);

            client.delete().forPath(lock); // the lock is lost: no raise
            assertThat(counter.raiseHolding(lock)).isEmpty();
            assertThat(counter.current()).isEqualTo(40);
        }
    }

    private static Coordinator connect(EmbeddedZooKeeper server, String gatewayId) throws Exception {
        return Coordinator.connect(new CoordinationConfig(server.connectString(), "site", gatewayId, SESSION,
                DEADLINE), MonotonicClock.system());
    }
}
