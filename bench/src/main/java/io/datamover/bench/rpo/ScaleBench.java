package io.datamover.bench.rpo;

import io.datamover.bench.BenchFiles;
import io.datamover.bench.process.DatamoverProcess;
import io.datamover.bench.process.LoopbackPorts;
import io.datamover.bench.process.ProcessResources;
import io.datamover.bench.process.PrometheusText;
import io.datamover.bench.process.QemuIo;
import io.datamover.bench.process.TapsProcess;
import io.datamover.coordination.EmbeddedZooKeeper;
import io.datamover.disk.SparseFile;
import io.datamover.protocol.netty.PeerAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/bench scale} (issue 19): what a source gateway costs at many groups, one gateway serving them all
 * (today's, {@code --coordination none}) against the groups spread over several source gateways of one site
 * ({@code --coordination zookeeper --max-group-moves}, a ZooKeeper server in the bench's JVM), in one run. Each layout
 * gets a fresh target gateway, its source gateways (each a {@code bin/datamover} JVM, plaintext, defaults otherwise)
 * and one JVM of real taps ({@link TapsProcess}), a tap per group on a 1 MiB sparse disk, given every gateway's
 * address. Once the groups are spread (each gateway leading its share), a 64 KiB write goes through each group's NBD
 * export (qemu-io); once every replica equals its disk and the site idled a few seconds, each gateway's threads (by
 * name), descriptors, RSS and heap are read. Then, with several gateways, the first is killed (SIGKILL) and the time
 * until the others lead all its groups, and until a second write per group is on every replica, is taken.
 */
public final class ScaleBench {
    private static final Logger LOG = LoggerFactory.getLogger(ScaleBench.class);
    static final long DISK = 1L << 20;
    static final int WRITE = 64 << 10;
    private static final Duration STEP_DEADLINE = Duration.ofMinutes(5);
    /** After the replicas equal their disks, the site idles this long before it is read: a steady site. */
    private static final Duration SETTLE = Duration.ofSeconds(5);
    private static final String SITE = "protected";

    /** One daemon as read at the end: the groups it led, what {@code /proc} says, its heap (used, committed). */
    record DaemonFigures(String name, long groupsLed, ProcessResources resources, long heapUsedBytes,
            long heapCommittedBytes) {}

    /**
     * One layout's figures.
     *
     * @param spreadSeconds from the taps' start until every group was led by a gateway, its share each (0: one gateway)
     * @param replicatedSeconds from the writes' start until every replica equalled its disk
     * @param takeoverSeconds after the daemons were read, from the first gateway's kill -9 until the others led every
     *     group (NaN: one gateway)
     * @param takeoverReplicatedSeconds from that kill -9 until a second write per group, made right after it, was on
     *     every replica (NaN: one gateway)
     */
    record LayoutFigures(int gateways, List<DaemonFigures> sources, DaemonFigures target, double spreadSeconds,
            double replicatedSeconds, double takeoverSeconds, double takeoverReplicatedSeconds) {}

    private ScaleBench() {}

    public static void main(String[] args) throws Exception {
        ScaleOptions options;
        try {
            options = ScaleOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench scale: " + e.getMessage());
            System.exit(2);
            return;
        }
        Files.createDirectories(options.dir());
        MachineFacts machine = MachineFacts.probe(options.dir());
        List<LayoutFigures> layouts = List.of(run(options, 1), run(options, options.gateways()));
        String report = ScaleReport.markdown(machine, options, layouts);
        System.out.println();
        System.out.print(report);
        if (options.out().isPresent()) {
            Files.writeString(options.out().get(), report);
        }
    }

    /** One layout: {@code gateways} source gateways (1: today's, uncoordinated) serving the option's groups. */
    static LayoutFigures run(ScaleOptions o, int gateways) throws Exception {
        Path work = BenchFiles.freshDirectory(o.dir(), "scale-run");
        LOG.info("bench scale: {} groups over {} source gateway(s)", o.groups(), gateways);
        try (EmbeddedZooKeeper zookeeper = gateways > 1 ? EmbeddedZooKeeper.start(work.resolve("zookeeper"), 0) : null;
                Site site = new Site(work, o.groups())) {
            site.startTarget();
            for (int i = 1; i <= gateways; i++) {
                site.startSource("gw-" + i, zookeeper == null ? List.of() : List.of("--coordination", "zookeeper",
                        "--zookeeper", zookeeper.connectString(), "--site", SITE, "--max-group-moves",
                        Integer.toString(o.maxGroupMoves()), "--zookeeper-session-timeout",
                        Double.toString(o.sessionTimeoutSeconds())));
            }
            try {
                return measure(site, o);
            } catch (Exception | AssertionError e) {
                Path logs = BenchFiles.keepLogs(work, o.dir().resolve("failed-scale-" + gateways));
                LOG.warn("bench scale failed: {} (the daemons' logs are kept in {})", e, logs);
                throw e;
            }
        } finally {
            BenchFiles.deleteTree(work);
        }
    }

    private static LayoutFigures measure(Site site, ScaleOptions o) throws Exception {
        int gateways = site.sources.size();
        long start = System.nanoTime();
        site.startTaps();
        if (gateways > 1) {
            require(() -> spreadEvenly(site, o.groups()), "the groups were not spread evenly over the gateways");
        }
        double spread = gateways > 1 ? since(start) : 0;
        long writes = System.nanoTime();
        site.writeEveryGroup(0);
        require(site::everyReplicaEqualsItsDisk, "the replicas did not equal their disks");
        double replicated = since(writes);
        Thread.sleep(SETTLE); // the site idles before it is read: a steady state, not the writes' moment
        List<DaemonFigures> sources = new ArrayList<>();
        for (Site.Daemon source : site.sources) {
            sources.add(figures(site, source, gateways == 1 ? o.groups() : led(site, source)));
        }
        DaemonFigures target = figures(site, site.target, o.groups());
        if (gateways == 1) {
            return new LayoutFigures(1, sources, target, spread, replicated, Double.NaN, Double.NaN);
        }
        // No standby per group in scale-out: the first gateway's groups wait for its session to expire and the
        // assigner to map them onto the others.
        long killed = System.nanoTime();
        site.sources.getFirst().process().kill();
        List<Site.Daemon> survivors = site.sources.subList(1, gateways);
        require(() -> survivors.stream().mapToLong(s -> led(site, s)).sum() == o.groups(),
                "the surviving gateways did not lead every group");
        double takeover = since(killed);
        site.writeEveryGroup(WRITE);
        require(site::everyReplicaEqualsItsDisk, "the replicas did not equal their disks after the kill");
        return new LayoutFigures(gateways, sources, target, spread, replicated, takeover, since(killed));
    }

    /** Every group led, each gateway's share within one of the others'. */
    private static boolean spreadEvenly(Site site, int groups) {
        long total = 0;
        long least = Long.MAX_VALUE;
        long most = 0;
        for (Site.Daemon source : site.sources) {
            long led = led(site, source);
            total += led;
            least = Math.min(least, led);
            most = Math.max(most, led);
        }
        return total == groups && most - least <= 1;
    }

    private static long led(Site site, Site.Daemon source) {
        return Math.max(0, PrometheusText.sum(site.admin.get(source.admin, "/metrics"), "datamover_coordination_leading",
                ""));
    }

    private static DaemonFigures figures(Site site, Site.Daemon daemon, long groupsLed) throws IOException {
        String metrics = site.admin.get(daemon.admin, "/metrics");
        return new DaemonFigures(daemon.name, groupsLed, ProcessResources.of(daemon.process.pid()),
                PrometheusText.sum(metrics, "jvm_memory_used_bytes", "area=\"heap\""),
                PrometheusText.sum(metrics, "jvm_memory_committed_bytes", "area=\"heap\""));
    }

    private static void require(BooleanSupplier condition, String otherwise) {
        if (Double.isNaN(PhaseRunner.await(condition, STEP_DEADLINE))) {
            throw new IllegalStateException(otherwise + " within " + STEP_DEADLINE);
        }
    }

    private static double since(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    /** A layout's daemons and disks under one directory; closed taps first, then the gateways, the target last. */
    private static final class Site implements AutoCloseable {
        record Daemon(String name, DatamoverProcess process, int admin) {}

        final Path work;
        final int groups;
        final List<Integer> nbdPorts = new ArrayList<>();
        final List<Daemon> sources = new ArrayList<>();
        /** Every daemon started, the target first: each is stopped at the end, even one that never listened. */
        private final List<Daemon> started = new ArrayList<>();
        final List<PeerAddress> sourceAddresses = new ArrayList<>();
        final AdminClient admin = new AdminClient();
        final int targetPort = LoopbackPorts.next();
        Daemon target;
        TapsProcess taps;

        Site(Path work, int groups) throws IOException {
            this.work = work;
            this.groups = groups;
            for (int cg = 1; cg <= groups; cg++) {
                Path disk = TapsProcess.disk(taps(), cg);
                Files.createDirectories(disk.getParent());
                SparseFile.create(disk, DISK).close();
                nbdPorts.add(LoopbackPorts.next());
            }
        }

        Path taps() {
            return work.resolve("taps");
        }

        void startTarget() throws IOException, InterruptedException {
            target = daemon("target", targetPort, "target-gateway", "--listen", "127.0.0.1:" + targetPort,
                    "--data-dir", work.resolve("target-data").toString(), "--replica-dir",
                    work.resolve("replicas").toString());
        }

        void startSource(String id, List<String> coordination) throws IOException, InterruptedException {
            int port = LoopbackPorts.next();
            List<String> args = new ArrayList<>(List.of("source-gateway", "--id", id, "--listen", "127.0.0.1:" + port,
                    "--target", "127.0.0.1:" + targetPort, "--data-dir", work.resolve(id + "-data").toString()));
            args.addAll(coordination);
            sources.add(daemon(id, port, args.toArray(String[]::new)));
            sourceAddresses.add(new PeerAddress("127.0.0.1", port));
        }

        void startTaps() throws IOException, InterruptedException {
            taps = TapsProcess.start(taps(), sourceAddresses, nbdPorts, work.resolve("taps.log"));
        }

        /** {@code bin/datamover args...} in plaintext with an admin port and room for every group; until it listens. */
        private Daemon daemon(String name, int port, String... args) throws IOException, InterruptedException {
            int adminPort = LoopbackPorts.next();
            List<String> all = new ArrayList<>(List.of(args));
            all.addAll(List.of("--insecure-plaintext", "--max-groups", Integer.toString(groups), "--admin",
                    "127.0.0.1:" + adminPort));
            DatamoverProcess process = DatamoverProcess.start(work.resolve(name + ".log"), "",
                    all.toArray(String[]::new));
            Daemon daemon = new Daemon(name, process, adminPort);
            started.add(daemon);
            process.awaitListening(port);
            return daemon;
        }

        /** A 64 KiB pattern at {@code offset} through each group's NBD export. */
        void writeEveryGroup(long offset) throws IOException, InterruptedException {
            for (int cg = 1; cg <= groups; cg++) {
                QemuIo.writePattern(nbdPorts.get(cg - 1), TapsProcess.EXPORT, cg % 255 + 1, offset, WRITE);
            }
        }

        boolean everyReplicaEqualsItsDisk() {
            try {
                for (int cg = 1; cg <= groups; cg++) {
                    Path replica = work.resolve("replicas").resolve("cg-" + cg).resolve(TapsProcess.EXPORT + ".img");
                    if (!Files.exists(replica) || Files.mismatch(replica, TapsProcess.disk(taps(), cg)) != -1) {
                        return false;
                    }
                }
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (taps != null) {
                taps.close();
            }
            List<Daemon> gateways = started.subList(Math.min(1, started.size()), started.size());
            gateways.forEach(source -> source.process.terminate()); // the source gateways stop side by side
            for (Daemon source : gateways) {
                source.process.close();
            }
            if (!started.isEmpty()) {
                started.getFirst().process.close(); // the target
            }
        }
    }
}
