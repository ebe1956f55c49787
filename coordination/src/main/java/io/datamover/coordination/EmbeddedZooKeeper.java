package io.datamover.coordination;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;

/**
 * {@code --coordination embedded}: a standalone ZooKeeper server inside the gateway, on loopback, its data under
 * the gateway's data directory. One machine needs nothing else, and the gateway runs the same coordination code as
 * in an ensemble; but it is NOT highly available: the server dies with the gateway and no other host can reach it.
 * For high availability give the gateways of a site a real ensemble ({@code --zookeeper HOST:PORT,...}).
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    /** ZooKeeper's tick: sessions may last from 2 to 20 ticks, so 1 s to 10 s (the default session timeout). */
    public static final Duration TICK = Duration.ofMillis(500);
    private static final int MAX_CLIENT_CONNECTIONS = 16;

    private final ZooKeeperServer server;
    private final ServerCnxnFactory connections;

    private EmbeddedZooKeeper(ZooKeeperServer server, ServerCnxnFactory connections) {
        this.server = server;
        this.connections = connections;
    }

    /** Starts a server keeping its snapshots and transaction log in {@code dataDir}, on loopback {@code port} (0: any). */
    public static EmbeddedZooKeeper start(Path dataDir, int port) throws IOException, InterruptedException {
        Path snapshots = Files.createDirectories(dataDir.resolve("snapshots"));
        Path log = Files.createDirectories(dataDir.resolve("log"));
        ZooKeeperServer server = new ZooKeeperServer(snapshots.toFile(), log.toFile(), Math.toIntExact(TICK.toMillis()));
        ServerCnxnFactory connections = ServerCnxnFactory.createFactory(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port), MAX_CLIENT_CONNECTIONS);
        try {
            connections.startup(server);
            closeRestoredSessions(server);
        } catch (IOException | InterruptedException | RuntimeException e) {
            connections.shutdown();
            server.shutdown();
            throw e;
        }
        return new EmbeddedZooKeeper(server, connections);
    }

    /**
     * Closes the sessions the server restored from its log. Only this gateway's client ever connects (loopback, data
     * under its locked data directory), so a session from the log is that of a run killed without closing it; left
     * alone, it would hold the locks of its groups until it expires, a session timeout after every kill -9.
     */
    private static void closeRestoredSessions(ZooKeeperServer server) {
        for (long session : List.copyOf(server.getZKDatabase().getSessions())) {
            server.closeSession(session);
        }
    }

    /** The connect string for this gateway's own client. */
    public String connectString() {
        return InetAddress.getLoopbackAddress().getHostAddress() + ":" + connections.getLocalPort();
    }

    @Override
    public void close() {
        connections.shutdown();
        server.shutdown();
    }
}
