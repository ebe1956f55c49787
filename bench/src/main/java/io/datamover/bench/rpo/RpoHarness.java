package io.datamover.bench.rpo;

import io.datamover.bench.BenchFiles;
import io.datamover.bench.link.LinkProxy;
import io.datamover.cli.local.LocalPipeline;
import io.datamover.disk.SparseFile;
import io.datamover.disk.compare.ComparisonReport;
import io.datamover.disk.compare.DiskComparison;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the sweep of {@link RpoOptions}: for each configuration a fresh {@link LocalPipeline} on an empty sparse
 * disk, its shipper routed through an emulated {@link LinkProxy}, then the steady phase with the link's outages,
 * the burst and its drain, and a byte comparison of replica and source. Each run lives under {@code dir/rpo-run},
 * removed after it.
 */
public final class RpoHarness {
    private static final Logger LOG = LoggerFactory.getLogger(RpoHarness.class);
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(60);
    /** The most a burst may take before it is cut short: it writes {@code --burst} bytes or stops here. */
    private static final int BURST_MAX_SECONDS = 20;

    private RpoHarness() {}

    /** Every run of the sweep, in order; a run that fails is reported with its problem and the sweep goes on. */
    public static List<RunResult> run(RpoOptions options) throws Exception {
        Files.createDirectories(options.dir());
        List<RunResult> results = new ArrayList<>();
        for (RpoOptions.RunConfig config : options.runs()) {
            LOG.info("rpo run {}/{}: batch {} ms / {} B, LZ4 {}, link {}", config.number(), options.runs().size(),
                    config.batchMs(), config.batchBytes(), config.compression() ? "on" : "off",
                    config.link().describe());
            results.add(runOne(options, config));
        }
        return results;
    }

    static RunResult runOne(RpoOptions options, RpoOptions.RunConfig config) throws Exception {
        Path work = options.dir().resolve("rpo-run");
        BenchFiles.deleteTree(work);
        Files.createDirectories(work);
        AtomicReference<LinkProxy> link = new AtomicReference<>();
        try {
            Path image = work.resolve("source.img");
            SparseFile.create(image, options.diskBytes()).close();
            Optional<PhaseResult> steady = Optional.empty();
            Optional<PhaseResult> burst = Optional.empty();
            Optional<ResourceSampler.Usage> usage = Optional.empty();
            String problem = "";
            Path replicaImage;
            try (LocalPipeline pipeline = LocalPipeline.builder(work).export(EndToEndRun.EXPORT, image)
                    .batch(config.batchMs(), config.batchBytes()).compression(config.compression())
                    .shipperRoute(target -> startLink(target, config, link)).start()) {
                replicaImage = pipeline.replica(EndToEndRun.EXPORT);
                if (Double.isNaN(PhaseRunner.awaitCaughtUp(pipeline, SETUP_TIMEOUT))) {
                    throw new IllegalStateException("the pipeline did not finish the initial sync of the empty disk");
                }
                ResourceSampler resources = ResourceSampler.start();
                try {
                    link.get().scheduleOutages();
                    Workload workload = options.steadyWorkload();
                    steady = Optional.of(PhaseRunner.run(pipeline, workload, options.diskBytes()));
                    if (!steady.get().drained()) {
                        problem = "the replica did not catch up after the steady phase; burst skipped";
                    } else {
                        burst = Optional.of(PhaseRunner.run(pipeline,
                                workload.burst(options.burstBytes(), BURST_MAX_SECONDS), options.diskBytes()));
                        if (!burst.get().drained()) {
                            problem = "the replica did not catch up after the burst";
                        }
                    }
                } finally {
                    usage = Optional.of(resources.stop());
                }
            } catch (Exception e) {
                LOG.warn("rpo run {} failed: {}", config.number(), e.toString());
                return new RunResult(config, steady, burst, usage, linkBytes(link), Optional.empty(), e.toString());
            }
            Optional<ComparisonReport> replica = problem.isEmpty()
                    ? Optional.of(DiskComparison.compare(image, replicaImage, DiskComparison.DEFAULT_REGION_BYTES))
                    : Optional.empty();
            return new RunResult(config, steady, burst, usage, linkBytes(link), replica, problem);
        } finally {
            LinkProxy proxy = link.get();
            if (proxy != null) {
                proxy.close();
            }
            BenchFiles.deleteTree(work);
        }
    }

    private static InetSocketAddress startLink(InetSocketAddress target, RpoOptions.RunConfig config,
            AtomicReference<LinkProxy> link) {
        try {
            link.set(LinkProxy.start(target, config.link()));
            return link.get().address();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the emulated link", e);
        }
    }

    private static long linkBytes(AtomicReference<LinkProxy> link) {
        LinkProxy proxy = link.get();
        return proxy == null ? 0 : proxy.upstreamBytes();
    }
}
