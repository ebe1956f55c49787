package io.datamover.bench.rpo;

import io.datamover.bench.link.LinkProxy;
import io.datamover.bench.link.LinkSpec;
import io.datamover.bench.process.DatamoverProcess;
import io.datamover.bench.process.LoopbackPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pipeline as an operator runs it: {@code datamover target-gateway}, {@code source-gateway} and {@code tap}, each
 * its own JVM started through {@code bin/datamover}, on loopback, the source gateway's shipper connected to the
 * target through an emulated {@link LinkProxy} (in the bench's JVM), all read through their admin ports
 * ({@link AdminProbe}). Each daemon's files and log live under {@code base}. Closing sends SIGTERM to the tap, the
 * source gateway and the target gateway, waits for them, then closes the link.
 */
final class DaemonPipeline implements AutoCloseable {
    /**
     * Every component's JVM options: a bounded heap, so its peak says what it needs rather than what G1 let it grow
     * to, and Native Memory Tracking, the only place Netty's cleaner-less direct buffers are counted.
     */
    static final String COMPONENT_JAVA_OPTIONS = "-Xmx512m -XX:NativeMemoryTracking=summary";
    /** The tap waits this long for its first handshake before it would serve in bitmap mode. */
    static final int TAP_CONNECT_WAIT_SECONDS = 30;

    /** One running daemon: which component, its process, its admin port. */
    record Daemon(Component component, DatamoverProcess process, int adminPort) {}

    private final List<Daemon> daemons;
    private final LinkProxy link;
    private final AdminClient admin;
    private final AdminProbe probe;
    private final Path replica;

    private final Path adminToken;
    private final Optional<Daemon> standby;

    private DaemonPipeline(List<Daemon> daemons, Optional<Daemon> standby, LinkProxy link, AdminClient admin,
            AdminProbe probe, Path replica, Path adminToken) {
        this.daemons = List.copyOf(daemons);
        this.standby = standby;
        this.link = link;
        this.admin = admin;
        this.probe = probe;
        this.replica = replica;
        this.adminToken = adminToken;
    }

    /**
     * Starts the link toward the target gateway's port, then both gateways at once (JVM start-up is most of the
     * set-up time; the source gateway's shipper retries until the target listens), then the tap once the source
     * gateway listens: the tap's reconnect backoff grows to seconds, and a source gateway that came up late on a
     * loaded machine would find it waiting. Serves {@code image} as {@link EndToEndRun#EXPORT}. The daemons speak
     * mutual TLS with lab certificates and the JDK provider.
     */
    static DaemonPipeline start(Path base, Path image, RpoOptions.RunConfig config) throws Exception {
        return start(base, image, config, Transport.TLS_JDK);
    }

    /** As {@link #start(Path, Path, RpoOptions.RunConfig)}, the daemons talking over {@code transport}. */
    static DaemonPipeline start(Path base, Path image, RpoOptions.RunConfig config, Transport transport)
            throws Exception {
        return start(base, image, config, transport, false);
    }

    /**
     * As {@link #start(Path, Path, RpoOptions.RunConfig, Transport)}; with {@code standbySource}, a second source
     * gateway of the site ({@link #standby()}, id {@code source-gateway-b}, the same options, its own data directory
     * and log), started after the first and given to the tap after it: with coordination options in
     * {@code config.sourceOptions()}, the two form a gateway group and the second takes over when the first dies.
     * The standby is not one of {@link #daemons()}.
     */
    static DaemonPipeline start(Path base, Path image, RpoOptions.RunConfig config, Transport transport,
            boolean standbySource) throws Exception {
        List<Daemon> started = new ArrayList<>();
        LinkProxy link = null;
        Path token = OperatorCommand.writeToken(base.resolve("admin-token"));
        try {
            int targetPort = LoopbackPorts.next();
            int sourcePort = LoopbackPorts.next();
            int nbdPort = LoopbackPorts.next();
            link = LinkProxy.start(new InetSocketAddress("127.0.0.1", targetPort), config.link());
            // An unthrottled phase can leave every region dirty, and the resync after bitmap mode then overwrites the
            // whole disk: the undo log gets room for a before-image of all of it (the default, 256 MiB for a 2 GiB
            // disk, filled with UNDO_LOG_FULL and applying stopped).
            Daemon target = daemon(base, token, Component.TARGET, started, transport, "target-gateway",
                    "--listen", "127.0.0.1:" + targetPort, "--data-dir", base.resolve("target-data").toString(),
                    "--replica-dir", base.resolve("replicas").toString(),
                    "--undo-max", Long.toString(2 * Files.size(image)));
            Daemon source = daemon(base, token, Component.SOURCE, started, transport, "source-gateway",
                    sourceArgs(config, sourcePort, base.resolve("source-data"), link, List.of()));
            source.process().awaitListening(sourcePort);
            List<String> tapArgs = new ArrayList<>(List.of("--export", EndToEndRun.EXPORT + "=" + image,
                    "--nbd", "127.0.0.1:" + nbdPort, "--gateway", "127.0.0.1:" + sourcePort,
                    "--state-dir", base.resolve("tap-state").toString(),
                    "--connect-wait", Integer.toString(TAP_CONNECT_WAIT_SECONDS)));
            Optional<Daemon> standby = Optional.empty();
            if (standbySource) {
                int standbyPort = LoopbackPorts.next();
                standby = Optional.of(daemonLoggingTo(base, token, Component.SOURCE, started, transport,
                        "standby-source-gateway.log", "source-gateway", sourceArgs(config, standbyPort,
                                base.resolve("standby-data"), link, List.of("--id", "source-gateway-b"))));
                standby.get().process().awaitListening(standbyPort);
                tapArgs.addAll(List.of("--gateway", "127.0.0.1:" + standbyPort));
            }
            Daemon tap = daemon(base, token, Component.TAP, started, transport, "tap", tapArgs.toArray(String[]::new));
            target.process().awaitListening(targetPort);
            tap.process().awaitListening(nbdPort);
            for (Daemon d : started) {
                d.process().awaitListening(d.adminPort());
            }
            AdminClient admin = new AdminClient();
            AdminProbe probe = new AdminProbe("nbd://127.0.0.1:" + nbdPort + "/" + EndToEndRun.EXPORT, admin,
                    tap.adminPort(), source.adminPort(), target.adminPort());
            Optional<Daemon> second = standby;
            return new DaemonPipeline(started.stream().filter(d -> second.isEmpty() || d != second.get()).toList(),
                    standby, link, admin, probe,
                    base.resolve("replicas").resolve("cg-1").resolve(EndToEndRun.EXPORT + ".img"), token);
        } catch (Exception | Error e) {
            stop(started.reversed(), link);
            throw e;
        }
    }

    /** A source gateway's arguments: listening on {@code port}, shipping through {@code link}, then {@code more}. */
    private static String[] sourceArgs(RpoOptions.RunConfig config, int port, Path dataDir, LinkProxy link,
            List<String> more) {
        List<String> args = new ArrayList<>(List.of(
                "--listen", "127.0.0.1:" + port, "--target", "127.0.0.1:" + link.address().getPort(),
                "--data-dir", dataDir.toString(),
                "--batch-interval", Long.toString(config.batchMs()),
                "--batch-size", Integer.toString(config.batchBytes()),
                "--compression", config.compression() ? "lz4" : "none"));
        args.addAll(config.sourceOptions());
        args.addAll(more);
        return args.toArray(String[]::new);
    }

    private static Daemon daemon(Path base, Path adminToken, Component component, List<Daemon> started,
            Transport transport, String command, String... args) throws IOException {
        return daemonLoggingTo(base, adminToken, component, started, transport, command + ".log", command, args);
    }

    /**
     * Starts {@code bin/datamover command args...} with the transport's and the admin port's options, logging to
     * {@code base/log}, and adds it to {@code started}.
     */
    private static Daemon daemonLoggingTo(Path base, Path adminToken, Component component, List<Daemon> started,
            Transport transport, String log, String command, String... args) throws IOException {
        int admin = LoopbackPorts.next();
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of(args));
        all.addAll(transport.daemonArgs());
        all.addAll(List.of("--admin", "127.0.0.1:" + admin, "--admin-token-file", adminToken.toString()));
        Daemon d = new Daemon(component, DatamoverProcess.start(base.resolve(log), COMPONENT_JAVA_OPTIONS,
                all.toArray(String[]::new)), admin);
        started.add(d);
        return d;
    }

    /** The one client every admin request of the run goes through, which counts them per daemon. */
    AdminClient admin() {
        return admin;
    }

    AdminProbe probe() {
        return probe;
    }

    /** The operator's admin token every daemon was started with, for the calls that change a daemon. */
    Path adminToken() {
        return adminToken;
    }

    LinkProxy link() {
        return link;
    }

    /** The daemons, by component. */
    Map<Component, Daemon> daemons() {
        Map<Component, Daemon> byComponent = new EnumMap<>(Component.class);
        daemons.forEach(d -> byComponent.put(d.component(), d));
        return byComponent;
    }

    /** The replica of the export, complete once the target gateway has stopped. */
    Path replica() {
        return replica;
    }

    /** Whether every daemon still runs; the last lines of the log of one that does not, for a run's problem. */
    String deadDaemons() {
        StringBuilder dead = new StringBuilder();
        for (Daemon d : tapFirst()) {
            if (!d.process().isAlive()) {
                dead.append(d.component().label()).append(" exited: ").append(d.process().logTail()).append('\n');
            }
        }
        return dead.toString();
    }

    @Override
    public void close() throws IOException {
        stop(tapFirst(), link);
    }

    /** Every daemon, the standby too: tap, then the source gateways, then the target. */
    private List<Daemon> tapFirst() {
        List<Daemon> all = new ArrayList<>(daemons.reversed());
        standby.ifPresent(s -> all.add(1, s));
        return all;
    }

    /**
     * Stops every daemon, even when one fails to stop; then the link. SIGTERM goes to all of them, tap first, before
     * waiting for any: by then the target has applied everything, and each daemon stops cleanly on its own.
     */
    private static void stop(List<Daemon> tapFirst, LinkProxy link) throws IOException {
        tapFirst.forEach(d -> d.process().terminate());
        IOException failed = null;
        for (Daemon d : tapFirst) {
            try {
                d.process().close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed = failed == null ? new IOException("interrupted while stopping the " + d.component().label(), e)
                        : failed;
            }
        }
        if (link != null) {
            link.close();
        }
        if (failed != null) {
            throw failed;
        }
    }

    /** SIGKILL to the component's daemon, as a crashed host; waits until it is gone. */
    void kill(Component component) throws InterruptedException {
        daemons().get(component).process().kill();
    }

    /** The second source gateway, when started with one. */
    Optional<Daemon> standby() {
        return standby;
    }

    /** The pipeline's components, in data-path order. */
    enum Component {
        TAP("tap"), SOURCE("source gateway"), TARGET("target gateway");

        private final String label;

        Component(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }
}
