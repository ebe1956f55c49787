package io.datamover.cli.demo;

import io.datamover.cli.ByteSize;
import io.datamover.cli.VerifyReportText;
import io.datamover.cli.local.LocalPipeline;
import io.datamover.disk.compare.ComparisonReport;
import io.datamover.disk.compare.DiskComparison;
import io.datamover.gateway.source.SourceGroupStatus;
import io.datamover.gateway.target.ConsistencyGroupStatus;
import io.datamover.gateway.source.ship.ShipperStatus;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code datamover demo}: the whole data path on loopback in one process (tap, source gateway, target gateway,
 * replica), a guest writing through NBD, live figures, then catch-up, verification and a summary.
 */
@Command(name = "demo", header = "Replicate a demo disk through tap, source and target gateway on this machine (~1 min).",
        mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Shows datamover replicating a disk, on this machine, in about a minute.",
                "Creates a sparse source disk with some data on it in a temporary directory; starts the tap (NBD), the"
                        + " source gateway (journal) and the target gateway (replica) on loopback; the initial sync"
                        + " copies the existing data while a guest (fio when installed, else a built-in NBD writer)"
                        + " writes through the tap. Prints live figures every second (journaled rate, journal use,"
                        + " applied seq, RPO, lag, LZ4 ratio, replica state), then stops the writes, waits for the"
                        + " replica to catch up, compares it with the source and prints a summary.",
                "Exit status 0 when the replica equals the source and nothing failed."})
public final class DemoCommand implements Callable<Integer> {
    static final String EXPORT = "demo-disk";
    static final String LOG_FILE = "daemons.log";
    private static final double MIB = 1024.0 * 1024.0;

    @Option(names = "--seconds", defaultValue = "30", paramLabel = "N",
            description = "How long the guest writes (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--rate", defaultValue = "40", paramLabel = "MIB_PER_S",
            description = "The guest's write rate in MiB/s (default: ${DEFAULT-VALUE}).")
    int rateMiBs;

    @Option(names = "--disk-size", defaultValue = "2G", converter = ByteSize.class, paramLabel = "SIZE",
            description = "Size of the sparse source disk (default: ${DEFAULT-VALUE}).")
    long diskBytes;

    @Option(names = "--existing-data", defaultValue = "64M", converter = ByteSize.class, paramLabel = "SIZE",
            description = "Data already on the disk when protection starts, copied by the initial sync"
                    + " (default: ${DEFAULT-VALUE}).")
    long existingBytes;

    @Option(names = "--workload", defaultValue = "auto", paramLabel = "auto|fio|builtin",
            description = "The guest: fio through its NBD engine, or the built-in NBD writer; auto takes fio when"
                    + " installed (default: ${DEFAULT-VALUE}).")
    String workload;

    @Option(names = "--keep", description = "Keep the disks, journal and replica instead of deleting them at the end.")
    boolean keep;

    @Option(names = "--verbose", description = "Show the daemons' log lines on the terminal, between the live figures"
            + " (by default they go to " + LOG_FILE + " in the demo's directory, which is kept).")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        validate();
        Path workDir = Files.createTempDirectory("datamover-demo");
        Path log = workDir.resolve(LOG_FILE);
        DaemonLog daemonLog = verbose ? DaemonLog.onTerminal() : DaemonLog.redirectTo(log);
        try {
            return run(workDir) ? 0 : 1;
        } finally {
            daemonLog.close();
            if (keep) {
                out.println("(files kept in " + workDir + ")");
            } else {
                deleteTreeBut(workDir, verbose ? null : log);
            }
            if (!verbose) {
                out.println("(the daemons' log: " + log + ")");
            }
        }
    }

    private void validate() {
        check(seconds >= 1 && seconds <= 3600, "--seconds must be between 1 and 3600, got " + seconds);
        check(rateMiBs >= 1 && rateMiBs <= 10_000, "--rate must be between 1 and 10000 MiB/s, got " + rateMiBs);
        check(diskBytes >= 64L << 20 && diskBytes % BuiltinNbdWriter.BLOCK == 0,
                "--disk-size must be at least 64M and a multiple of 64K, got " + diskBytes);
        check(existingBytes >= 0 && existingBytes <= diskBytes / 2,
                "--existing-data must be at most half the disk, got " + existingBytes);
        check(workload.equals("auto") || workload.equals("fio") || workload.equals("builtin"),
                "--workload must be auto, fio or builtin, not '" + workload + "'");
        check(!workload.equals("fio") || FioWorkload.installed(), "--workload fio: fio is not installed");
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    private boolean run(Path workDir) throws Exception {
        Path disk = workDir.resolve("source.img");
        out.println("datamover demo: tap -> source gateway -> target gateway, all on loopback in this process");
        DemoDisk.create(disk, diskBytes, existingBytes);
        try (LocalPipeline pipeline = LocalPipeline.builder(workDir).export(EXPORT, disk)
                        .consistencyGroup(1, "demo-vm").start();
                Workload guest = newWorkload(workDir)) {
            out.printf("  source disk    %s: %,d MiB sparse, %,d MiB of data on it already%n", disk, diskBytes >> 20,
                    existingBytes >> 20);
            out.printf("  tap            %s (the initial sync of the existing data starts now)%n",
                    pipeline.nbdUri(EXPORT));
            out.printf("  source gateway %s, journal in %s%n", pipeline.source().address(), workDir.resolve("source-data"));
            out.printf("  target gateway %s, replica %s%n", pipeline.target().address(), pipeline.replica(EXPORT));
            out.printf("  links          mutual TLS 1.3, lab CA and certificates in %s%n", workDir.resolve("tls"));
            out.printf("  guest          %s%n", guest.description());
            out.printf("  daemons' log   %s%n%n", verbose ? "here, on stderr (--verbose)" : workDir.resolve(LOG_FILE));
            LiveFigures figures = new LiveFigures(pipeline);
            out.println(LiveFigures.header());
            guest.start(pipeline.nbdUri(EXPORT));
            watch(figures, guest::finished);
            long writesStopped = System.nanoTime();
            out.println("  (writes stopped; waiting for the replica to catch up)");
            long deadline = writesStopped + TimeUnit.SECONDS.toNanos(120);
            watch(figures, () -> pipeline.caughtUp() || System.nanoTime() > deadline);
            boolean caughtUp = pipeline.caughtUp();
            double catchUpSeconds = (System.nanoTime() - writesStopped) / 1e9;
            out.println(figures.line());
            out.println();
            out.println("  comparing the replica with the source (datamover verify) ...");
            ComparisonReport check = DiskComparison.compare(disk, pipeline.replica(EXPORT),
                    DiskComparison.DEFAULT_REGION_BYTES);
            return summary(pipeline, figures, guest, caughtUp, catchUpSeconds, check);
        }
    }

    /** Samples every 100 ms and prints a line a second until {@code done}. */
    private void watch(LiveFigures figures, java.util.function.BooleanSupplier done) throws InterruptedException {
        long nextLine = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (!done.getAsBoolean()) {
            figures.sample();
            if (System.nanoTime() >= nextLine) {
                out.println(figures.line());
                nextLine += TimeUnit.SECONDS.toNanos(1);
            }
            Thread.sleep(LiveFigures.SAMPLE_MILLIS);
        }
    }

    private Workload newWorkload(Path workDir) {
        boolean fio = workload.equals("fio") || (workload.equals("auto") && FioWorkload.installed());
        return fio ? new FioWorkload(diskBytes, seconds, rateMiBs, workDir.resolve("fio.log"))
                : new BuiltinNbdWriter(diskBytes, seconds, rateMiBs);
    }

    private boolean summary(LocalPipeline pipeline, LiveFigures figures, Workload guest, boolean caughtUp,
            double catchUpSeconds, ComparisonReport check) {
        long lastSeq = pipeline.tap().tap().lastSeq();
        ShipperStatus shipping = pipeline.sourceStatus().map(SourceGroupStatus::shipping).orElse(null);
        String replicaStates = pipeline.targetStatus().map(ConsistencyGroupStatus::groupState).orElse("unknown");
        String failure = guest.failure();
        boolean ok = failure.isEmpty() && caughtUp && check.equal() && !figures.tapLeftStreaming()
                && replicaStates.equals("UP_TO_DATE");
        out.println();
        out.println("Summary");
        out.printf("  guest        %,d writes ordered by the tap (%,.1f MiB journaled); %s%n", lastSeq,
                figures.journaledBytes() / MIB, failure.isEmpty() ? "no I/O errors" : failure);
        out.printf("  tap          %s%n", figures.tapLeftStreaming()
                ? "fell back to BITMAP mode (the gateway could not keep up): writes were kept as dirty bits"
                : "streamed every write (never fell back to bitmap mode)");
        out.printf(Locale.ROOT, "  RPO          p50 %.2f s, p99 %.2f s, max %.2f s over %,d samples%n",
                figures.rpoQuantile(0.5), figures.rpoQuantile(0.99), figures.rpoQuantile(1.0),
                figures.rpoSampleCount());
        if (shipping != null) {
            out.printf("  shipping     %,d batches, %,.1f MiB of writes sent as %,.1f MiB (LZ4 ratio %.2f), %,d"
                            + " overwritten writes coalesced away%n", shipping.batchesShipped(),
                    shipping.bodyBytesShipped() / MIB, shipping.wireBytesOut() / MIB, shipping.compressionRatio(),
                    shipping.coalescedRecords());
        }
        out.printf("  catch-up     %s%n", caughtUp
                ? String.format("replica at seq %,d, %.1f s after the writes stopped", lastSeq, catchUpSeconds)
                : String.format("NOT caught up after %.0f s", catchUpSeconds));
        out.printf("  replica      %s%n", replicaStates);
        out.printf("  verify       %s%n", VerifyReportText.verdict(check));
        out.printf("  thin         allocated: source %,.1f MiB, replica %,.1f MiB (of %,d MiB)%n",
                check.source().allocatedBytes() / MIB, check.replica().allocatedBytes() / MIB, diskBytes >> 20);
        out.printf("  result       %s%n", ok ? "OK: the replica equals the source" : "FAILED (see above)");
        return ok;
    }

    /** Deletes {@code dir} and what it holds but {@code kept} (null: nothing kept), and {@code dir} when empty. */
    private static void deleteTreeBut(Path dir, Path kept) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(kept) && !(p.equals(dir) && kept != null)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
