package io.datamover.cli.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code datamover demo}: runs every part of the data path that exists today, on loopback, and says
 * plainly which parts do not exist yet.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs what exists of the replication data path on loopback and shows it working. Today: fio (when installed) writes through a real tap over NBD, and the tap streams every write over loopback to a receiver that checks seq order and CRCs, batches and LZ4-compresses them as the source gateway does, and acknowledges. Without fio, write records are generated and streamed directly.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--keep", description = "Keep the demo's disk and logs instead of deleting them at the end.")
    boolean keep;

    @Option(names = "--seconds", defaultValue = "10", description = "How long to stream writes (default: ${DEFAULT-VALUE}).")
    int seconds;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        if (seconds < 1 || seconds > 3600) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--seconds must be between 1 and 3600, got " + seconds);
        }
        if (TapDemo.fioInstalled()) {
            out.println("datamover demo: a guest (fio) writes through the tap, which streams to a checking receiver");
            Path workDir = Files.createTempDirectory("datamover-demo");
            try {
                boolean ok = new TapDemo(out, seconds, workDir).run();
                printNotThereYet(false);
                return ok ? 0 : 1;
            } finally {
                if (keep) {
                    out.println("(files kept in " + workDir + ")");
                } else {
                    deleteTree(workDir);
                }
            }
        }
        out.println("datamover demo: fio is not installed (apt-get install fio), so no guest writes through the tap;");
        out.println("streaming write records over loopback for " + seconds + " s instead");
        try (AcknowledgingReceiver receiver = new AcknowledgingReceiver(new InetSocketAddress("127.0.0.1", 0), true);
                RecordStreamer streamer = new RecordStreamer(TimeUnit.SECONDS.toNanos(seconds))) {
            streamer.start(receiver.address());
            long start = System.nanoTime();
            Progress progress = new Progress(receiver, streamer, start);
            while (!streamer.finished.isDone()) {
                awaitTrue(streamer.finished::isDone, Duration.ofSeconds(1));
                out.println(progress.line());
            }
            streamer.finished.get();
            boolean caughtUp = awaitTrue(() -> receiver.lastSeq.get() == streamer.sentSeq.get(), Duration.ofSeconds(10));
            out.println(progress.line());
            printSummary(receiver, streamer, caughtUp, System.nanoTime() - start);
            return caughtUp && receiver.errors.get() == 0 ? 0 : 1;
        }
    }

    private void printSummary(AcknowledgingReceiver receiver, RecordStreamer streamer, boolean caughtUp, long nanos) {
        double secs = nanos / 1e9;
        out.println();
        out.println("Summary");
        out.printf("  records sent %,d, received in order with good CRCs %,d%s%n", streamer.sentSeq.get(),
                receiver.records.get(), caughtUp ? "" : "  <-- NOT ALL RECEIVED");
        out.printf("  payload %,.1f MiB at %,.1f MiB/s; protocol errors %d%n", receiver.payloadBytes.get() / 1048576.0,
                receiver.payloadBytes.get() / 1048576.0 / secs, receiver.errors.get());
        out.printf("  batches %,d, LZ4 %,.1f MiB -> %,.1f MiB (ratio %.2f)%n", receiver.batches.get(),
                receiver.batchRawBytes.get() / 1048576.0, receiver.batchWireBytes.get() / 1048576.0,
                ratio(receiver));
        printNotThereYet(true);
    }

    private void printNotThereYet(boolean withoutTap) {
        out.println();
        out.println("Not there yet in this demo (the gateways exist: see the feature status in README.md):");
        if (withoutTap) {
            out.println("  - guest writes through the tap: it needs fio to drive it; the demo generated records itself");
        }
        out.println("  - the source gateway's journal: the receiver above keeps nothing, so its acks are not durable");
        out.println("  - the target gateway, the applier and the replica disk, hence no replica to verify here");
        out.println("  - status, RPO, verify and metrics");
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static boolean awaitTrue(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** One line of live figures a second. */
    private record Progress(AcknowledgingReceiver receiver, RecordStreamer streamer, long startNanos) {
        String line() {
            double secs = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
            long lag = streamer.sentSeq.get() - streamer.ackedSeq.get();
            return String.format("  %5.1fs  records %,10d  %,8.1f MiB/s  acked seq %,10d  unacked %,6d  batches %,6d  lz4 ratio %.2f",
                    secs, receiver.records.get(), receiver.payloadBytes.get() / 1048576.0 / secs,
                    streamer.ackedSeq.get(), lag, receiver.batches.get(), ratio(receiver));
        }
    }

    /** Uncompressed bytes per wire byte of the batches the receiver cut. */
    static double ratio(AcknowledgingReceiver r) {
        long wire = r.batchWireBytes.get();
        return wire == 0 ? 1.0 : (double) r.batchRawBytes.get() / wire;
    }
}
