package io.datamover.cli.demo;

import io.datamover.disk.SparseFile;
import io.datamover.tap.ReplicatingTap;
import io.datamover.tap.TapConfig;
import io.datamover.tap.sender.SenderConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The demo's guest-facing part: a sparse disk served by a real tap, fio writing through NBD at a
 * steady rate, the tap streaming every write to the checking, batching receiver on loopback.
 */
final class TapDemo {
    static final long DISK_BYTES = 1L << 30;

    private final PrintStream out;
    private final int seconds;
    private final Path workDir;

    TapDemo(PrintStream out, int seconds, Path workDir) {
        this.out = out;
        this.seconds = seconds;
        this.workDir = workDir;
    }

    /** Runs the demo; true when every write the guest made reached the receiver in order with good CRCs. */
    boolean run() throws Exception {
        Path disk = workDir.resolve("source.img");
        SparseFile.create(disk, DISK_BYTES).close();
        out.printf("  source disk %s (%d MiB, sparse)%n", disk, DISK_BYTES >> 20);
        try (AcknowledgingReceiver receiver = new AcknowledgingReceiver(new InetSocketAddress("127.0.0.1", 0), true)) {
            TapConfig tapConfig = TapConfig.builder().port(0).stateDir(workDir.resolve("tap-state"))
                    .export("demo-disk", disk).build();
            SenderConfig senderConfig = SenderConfig.builder("127.0.0.1", receiver.address().getPort())
                    .identity("demo-tap", "demo-pair")
                    .consistencyGroup(1, "demo-vm", ReplicatingTap.disksOf(tapConfig)).build();
            try (ReplicatingTap tap = ReplicatingTap.start(tapConfig, senderConfig, Duration.ofSeconds(5),
                    new SimpleMeterRegistry(), InstantSource.system())) {
                String uri = "nbd://127.0.0.1:" + tap.tap().port() + "/demo-disk";
                out.printf("  tap serving %s, streaming to the receiver on %s%n", uri, receiver.address());
                out.printf("  guest: fio random writes of 64 KiB, half-compressible data, 100 MiB/s, %d s%n%n", seconds);
                Process fio = new ProcessBuilder(fioCommand(uri)).redirectErrorStream(true)
                        .redirectOutput(workDir.resolve("fio.log").toFile()).start();
                long start = System.nanoTime();
                while (!fio.waitFor(1, TimeUnit.SECONDS)) {
                    out.println(line(tap, receiver, start));
                }
                long guestWrites = tap.tap().lastSeq();
                boolean caughtUp = DemoCommand.awaitTrue(() -> tap.sender().durableSeq() == guestWrites,
                        Duration.ofSeconds(10));
                out.println(line(tap, receiver, start));
                out.println();
                out.println("Summary");
                out.printf("  fio exit status %d; guest writes ordered by the tap %,d%n", fio.exitValue(), guestWrites);
                out.printf("  received in seq order with good CRCs %,d, acknowledged %,d, replication %s%n",
                        receiver.records.get(), tap.sender().durableSeq(), tap.tap().mode());
                out.printf("  batches %,d, LZ4 %,.1f MiB -> %,.1f MiB (ratio %.2f)%n", receiver.batches.get(),
                        receiver.batchRawBytes.get() / 1048576.0, receiver.batchWireBytes.get() / 1048576.0,
                        DemoCommand.ratio(receiver));
                out.printf("  source disk allocated %,.1f MiB of %,d MiB%n", allocatedMiB(disk), DISK_BYTES >> 20);
                return fio.exitValue() == 0 && caughtUp && receiver.records.get() == guestWrites
                        && receiver.errors.get() == 0;
            }
        }
    }

    private List<String> fioCommand(String uri) {
        return List.of("fio", "--name=demo-guest", "--ioengine=nbd", "--uri=" + uri, "--rw=randwrite", "--bs=64k",
                "--iodepth=8", "--size=" + DISK_BYTES, "--time_based", "--runtime=" + seconds, "--rate=100m",
                "--buffer_compress_percentage=50", "--refill_buffers");
    }

    private static String line(ReplicatingTap tap, AcknowledgingReceiver receiver, long startNanos) {
        double secs = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        return String.format("  %5.1fs  guest writes %,8d  received %,8d  %,7.1f MiB/s  acked seq %,8d  %-9s  batches %,5d  lz4 %.2f",
                secs, tap.tap().lastSeq(), receiver.records.get(), receiver.payloadBytes.get() / 1048576.0 / secs,
                tap.sender().durableSeq(), tap.tap().mode(), receiver.batches.get(), DemoCommand.ratio(receiver));
    }

    private static double allocatedMiB(Path path) throws IOException {
        try (SparseFile f = SparseFile.openReadOnly(path)) {
            return f.allocatedBytes() / 1048576.0;
        }
    }

    static boolean fioInstalled() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "fio"))) {
                return true;
            }
        }
        return false;
    }
}
