package io.datamover.bench.rpo;

import io.datamover.bench.BenchFiles;
import io.datamover.bench.link.LinkSpec;
import io.datamover.bench.process.DatamoverProcess;
import io.datamover.bench.process.PrometheusText;
import io.datamover.coordination.EmbeddedZooKeeper;
import io.datamover.disk.SparseFile;
import io.datamover.disk.compare.ComparisonReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/bench takeover} (issue 19): two source gateways of one site on a ZooKeeper server in the bench's JVM
 * (as {@code SourceTakeoverTest} sets them up), one target gateway, a tap given both gateways' addresses, a guest
 * writing at a fixed rate; SIGKILL of the leading source gateway partway through. Measured from the kill: when the
 * standby leads the group (its {@code datamover_coordination_leading}), when the target took the new leader's history
 * (its log line), and when the target first applied bytes after that (its applier's counter): the takeover time.
 * The end-to-end RPO sampled every 100 ms over the guest's run gives the peak. The replica is compared with the
 * source once the daemons stopped.
 */
public final class TakeoverBench {
    private static final Logger LOG = LoggerFactory.getLogger(TakeoverBench.class);
    /** What the target gateway logs when it takes a new leader's history ({@code ConsistencyGroupTarget}). */
    static final String NEW_LEADER = "a new leader of the source site's gateway group";
    private static final Duration STEP_DEADLINE = Duration.ofMinutes(2);

    /**
     * @param standbyLeadsSeconds from the kill until the standby led the group
     * @param targetTookOverSeconds from the kill until the target took the new leader's history
     * @param firstAppliedSeconds from the kill until the target applied the first bytes after that: the takeover
     * @param guest the guest's whole run, its end-to-end RPO included
     */
    record Figures(double standbyLeadsSeconds, double targetTookOverSeconds, double firstAppliedSeconds,
            PhaseResult guest, Optional<ComparisonReport> replica) {}

    private TakeoverBench() {}

    public static void main(String[] args) throws Exception {
        TakeoverOptions options;
        try {
            options = TakeoverOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench takeover: " + e.getMessage());
            System.exit(2);
            return;
        }
        Files.createDirectories(options.dir());
        MachineFacts machine = MachineFacts.probe(options.dir());
        String report = TakeoverReport.markdown(machine, options, run(options));
        System.out.println();
        System.out.print(report);
        if (options.out().isPresent()) {
            Files.writeString(options.out().get(), report);
        }
    }

    static Figures run(TakeoverOptions options) throws Exception {
        Path work = BenchFiles.freshDirectory(options.dir(), "takeover-run");
        try (EmbeddedZooKeeper zookeeper = EmbeddedZooKeeper.start(work.resolve("zookeeper"), 0)) {
            Path image = work.resolve("source.img");
            SparseFile.create(image, options.diskBytes()).close();
            RpoOptions.RunConfig config = new RpoOptions.RunConfig(1, 100, EndToEndRun.BATCH_MAX_BYTES, true,
                    LinkSpec.unlimited(), List.of("--coordination", "zookeeper", "--zookeeper",
                            zookeeper.connectString(), "--site", "protected", "--zookeeper-session-timeout",
                            Double.toString(options.sessionTimeoutSeconds())));
            Figures figures;
            Path replica;
            try (DaemonPipeline pipeline = DaemonPipeline.start(work, image, config, options.transport(), true)) {
                replica = pipeline.replica();
                try {
                    figures = measure(pipeline, options);
                } catch (Exception e) {
                    LOG.warn("bench takeover failed: {} (the daemons' logs are kept in {})", e, logsKept(options));
                    throw e;
                }
            }
            return new Figures(figures.standbyLeadsSeconds(), figures.targetTookOverSeconds(),
                    figures.firstAppliedSeconds(), figures.guest(),
                    EndToEndRun.compareUnlessStopped("", image, replica));
        } finally {
            // Each step of a takeover is in the daemons' logs only: they are kept, the run's disks are not.
            BenchFiles.keepLogs(work, logsKept(options));
            BenchFiles.deleteTree(work);
        }
    }

    private static Path logsKept(TakeoverOptions options) {
        return options.dir().resolve("takeover-logs");
    }

    private static Figures measure(DaemonPipeline pipeline, TakeoverOptions options) throws Exception {
        AdminProbe admin = pipeline.probe();
        DaemonPipeline.Daemon standby = pipeline.standby().orElseThrow();
        DatamoverProcess target = pipeline.daemons().get(DaemonPipeline.Component.TARGET).process();
        if (Double.isNaN(PhaseRunner.awaitCaughtUp(admin, EndToEndRun.SETUP_TIMEOUT))) {
            throw new IllegalStateException("the pipeline did not finish the initial sync of the empty disk");
        }
        int sourceAdmin = pipeline.daemons().get(DaemonPipeline.Component.SOURCE).adminPort();
        require(() -> leading(pipeline, sourceAdmin), "the first source gateway did not lead the group");
        // The source gateway that is killed cannot be read: the guest's phase samples the tap and the target only.
        PipelineProbe tapAndTarget = new TapAndTargetProbe(admin);
        try (ExecutorService guestRun = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<PhaseResult> guest = guestRun.submit(() -> PhaseRunner.run(tapAndTarget, options.guest(),
                    options.diskBytes()));
            // The kill's moment in the guest's run: what is measured starts here, it waits for no condition.
            Thread.sleep(Duration.ofSeconds(options.killAfterSeconds()));
            if (guest.isDone()) {
                guest.get(); // fio failed before the kill: its exception says why
            }
            long killed = System.nanoTime();
            pipeline.kill(DaemonPipeline.Component.SOURCE);
            LOG.info("bench takeover: SIGKILL to the leading source gateway");
            require(() -> leading(pipeline, standby.adminPort()), "the standby did not lead the group");
            double leads = since(killed);
            require(() -> target.logContains(NEW_LEADER), "the target did not take a new leader's history");
            double tookOver = since(killed);
            long appliedThen = admin.appliedBytes();
            require(() -> admin.appliedBytes() > appliedThen, "the target applied nothing from the new leader");
            double applied = since(killed);
            return new Figures(leads, tookOver, applied, guest.get(), Optional.empty());
        }
    }

    private static boolean leading(DaemonPipeline pipeline, int adminPort) {
        return PrometheusText.sum(pipeline.admin().get(adminPort, "/metrics"), "datamover_coordination_leading", "")
                == 1;
    }

    private static void require(BooleanSupplier condition, String otherwise) {
        if (Double.isNaN(PhaseRunner.await(condition, STEP_DEADLINE))) {
            throw new IllegalStateException(otherwise + " within " + STEP_DEADLINE);
        }
    }

    private static double since(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    /** The tap and the target of a pipeline's {@link AdminProbe}; no source gateway (one of them dies). */
    private record TapAndTargetProbe(AdminProbe admin) implements PipelineProbe {
        @Override
        public String nbdUri() {
            return admin.nbdUri();
        }

        @Override
        public TapReading tap() {
            return admin.tap();
        }

        @Override
        public TargetReading target() {
            return admin.target();
        }

        @Override
        public Optional<SourceReading> source() {
            return Optional.empty();
        }

        @Override
        public ShipCounters shipped() {
            return ShipCounters.NONE;
        }
    }
}
