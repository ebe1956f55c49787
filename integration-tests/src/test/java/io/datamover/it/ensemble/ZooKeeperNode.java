package io.datamover.it.ensemble;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One ZooKeeper server of a test ensemble: {@code QuorumPeerMain} from the Maven artifact, in its own JVM with the
 * test's classpath, its own zoo.cfg and data directory. The test can kill -9 it, pause it (SIGSTOP) and start it
 * again on the same data and ports.
 */
public final class ZooKeeperNode {
    private final int id;
    private final int clientPort;
    private final Path config;
    private final Path log;
    private Process process;

    ZooKeeperNode(int id, int clientPort, Path config, Path log) {
        this.id = id;
        this.clientPort = clientPort;
        this.config = config;
        this.log = log;
    }

    public int id() {
        return id;
    }

    public int clientPort() {
        return clientPort;
    }

    /** This server alone, as a client's connect string: a client given it cannot fail over to another server. */
    public String connectString() {
        return "127.0.0.1:" + clientPort;
    }

    /** Starts the JVM (again); returns at once: {@link ZooKeeperEnsemble#awaitQuorum} waits for it to serve. */
    public void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("zookeeper " + id + " already runs");
        }
        List<String> command = ChildJvm.command("org.apache.zookeeper.server.quorum.QuorumPeerMain",
                List.of(config.toString()));
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** kill -9: the server's sockets close at once, its clients move to another server. */
    public void kill9() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** SIGSTOP: the server holds its sockets but answers nothing, as a host that hangs. */
    public void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause}. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** Whether this server serves clients as a member of a quorum (leader or follower). */
    public boolean serving() {
        String status = FourLetterWord.ask(clientPort, "srvr");
        return status.contains("Mode: leader") || status.contains("Mode: follower");
    }

    /** Whether a client with ZooKeeper session {@code sessionId} is connected to this server now. */
    public boolean holdsSession(long sessionId) {
        return FourLetterWord.ask(clientPort, "cons").contains("sid=0x" + Long.toHexString(sessionId));
    }

    /** Whether any client session is connected to this server now (a four-letter word's own connection has none). */
    public boolean holdsAnySession() {
        return FourLetterWord.ask(clientPort, "cons").contains("sid=0x");
    }

    public String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private void signal(String name) throws IOException, InterruptedException {
        Signals.send(process.pid(), name);
    }
}
