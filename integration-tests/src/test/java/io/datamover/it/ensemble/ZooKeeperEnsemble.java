package io.datamover.it.ensemble;

import io.datamover.bench.process.LoopbackPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real ZooKeeper ensemble on loopback for tests: {@code size} {@link ZooKeeperNode} JVMs, ports picked free. Ticks
 * are short (200 ms) so sessions may be as short as 400 ms and a test's session timeout can be a few seconds.
 */
public final class ZooKeeperEnsemble implements AutoCloseable {
    /** ZooKeeper's tick in the tests' ensembles; sessions may last 2 to 100 ticks. */
    public static final Duration TICK = Duration.ofMillis(200);
    private static final Duration START_DEADLINE = Duration.ofSeconds(90);

    private final List<ZooKeeperNode> nodes;

    private ZooKeeperEnsemble(List<ZooKeeperNode> nodes) {
        this.nodes = nodes;
    }

    /** Writes each server's zoo.cfg and myid under {@code dir}, starts them all and waits until they serve. */
    public static ZooKeeperEnsemble start(Path dir, int size) throws IOException, InterruptedException {
        int[][] ports = new int[size][3]; // client, quorum, election
        StringBuilder servers = new StringBuilder();
        for (int i = 0; i < size; i++) {
            for (int p = 0; p < 3; p++) {
                ports[i][p] = LoopbackPorts.next();
            }
            servers.append("server.").append(i + 1).append("=127.0.0.1:").append(ports[i][1]).append(':')
                    .append(ports[i][2]).append('\n');
        }
        List<ZooKeeperNode> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            int id = i + 1;
            Path home = Files.createDirectories(dir.resolve("zk" + id));
            Path data = Files.createDirectories(home.resolve("data"));
            Files.writeString(data.resolve("myid"), id + "\n");
            Path config = home.resolve("zoo.cfg");
            Files.writeString(config, """
                    tickTime=%d
                    initLimit=50
                    syncLimit=10
                    minSessionTimeout=%d
                    maxSessionTimeout=%d
                    dataDir=%s
                    clientPortAddress=127.0.0.1
                    clientPort=%d
                    admin.enableServer=false
                    4lw.commands.whitelist=srvr,cons,ruok
                    """.formatted(TICK.toMillis(), 2 * TICK.toMillis(), 100 * TICK.toMillis(), data, ports[i][0])
                    + servers);
            nodes.add(new ZooKeeperNode(id, ports[i][0], config, home.resolve("zookeeper.log")));
        }
        ZooKeeperEnsemble ensemble = new ZooKeeperEnsemble(List.copyOf(nodes));
        try {
            for (ZooKeeperNode node : nodes) {
                node.start();
            }
            ensemble.awaitQuorum();
        } catch (IOException | RuntimeException | Error e) {
            ensemble.close();
            throw e;
        }
        return ensemble;
    }

    public List<ZooKeeperNode> nodes() {
        return nodes;
    }

    public ZooKeeperNode node(int id) {
        return nodes.get(id - 1);
    }

    /** Every server, as a client's connect string. */
    public String connectString() {
        return nodes.stream().map(ZooKeeperNode::connectString).collect(Collectors.joining(","));
    }

    /** Every server but {@code excluded}. */
    public String connectStringWithout(ZooKeeperNode excluded) {
        return nodes.stream().filter(n -> n != excluded).map(ZooKeeperNode::connectString)
                .collect(Collectors.joining(","));
    }

    /** The server that a client with ZooKeeper session {@code sessionId} is connected to now, or null. */
    public ZooKeeperNode serverOf(long sessionId) {
        return nodes.stream().filter(ZooKeeperNode::alive).filter(n -> n.holdsSession(sessionId)).findFirst()
                .orElse(null);
    }

    /** Waits until every server runs and serves in a quorum; fails with the servers' logs if one exits or time runs out. */
    public void awaitQuorum() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (!nodes.stream().allMatch(ZooKeeperNode::serving)) {
            if (System.nanoTime() > deadline || !nodes.stream().allMatch(ZooKeeperNode::alive)) {
                StringBuilder logs = new StringBuilder();
                for (ZooKeeperNode node : nodes) {
                    logs.append("--- zookeeper ").append(node.id()).append(node.alive() ? "" : " (exited)")
                            .append(":\n").append(node.log());
                }
                throw new AssertionError("the ensemble does not serve (within " + START_DEADLINE + "):\n" + logs);
            }
            Thread.sleep(100); // polling srvr with a deadline
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (ZooKeeperNode node : nodes) {
            node.kill9(); // SIGKILL ends a paused (SIGSTOP) JVM too
        }
    }
}
