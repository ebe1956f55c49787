package io.datamover.bench.outage;

import io.datamover.bench.BenchFiles;
import io.datamover.bench.process.DatamoverProcess;
import io.datamover.bench.process.LoopbackPorts;
import io.datamover.bench.rpo.MachineFacts;
import io.datamover.disk.SparseFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the tap-outage measurement: a real {@code datamover tap} streaming to an {@code ack-receiver}, fio writing
 * to it at full speed; after the lead the gateway is killed and fio keeps writing for the whole outage while the
 * tap's memory is sampled. Everything lives under {@code dir/tap-outage-run}, removed after (the logs too).
 */
public final class OutageRun {
    private static final String GATEWAY_JAVA_OPTIONS = "-Xmx256m";

    private final OutageOptions options;
    private final Path work;

    private OutageRun(OutageOptions options, Path work) {
        this.options = options;
        this.work = work;
    }

    public static OutageResult run(OutageOptions options) throws Exception {
        Path work = BenchFiles.freshDirectory(options.dir(), "tap-outage-run");
        try {
            return new OutageRun(options, work).run(MachineFacts.probe(options.dir()));
        } finally {
            BenchFiles.deleteTree(work);
        }
    }

    private OutageResult run(MachineFacts machine) throws Exception {
        Files.createDirectories(work.resolve("state"));
        Path image = work.resolve("disk.img");
        SparseFile.create(image, options.diskBytes()).close();
        int gatewayPort = LoopbackPorts.next();
        int nbdPort = LoopbackPorts.next();
        int adminPort = LoopbackPorts.next();
        try (DatamoverProcess gateway = DatamoverProcess.start(work.resolve("ack-receiver.log"), GATEWAY_JAVA_OPTIONS,
                "ack-receiver", "--listen", "127.0.0.1:" + gatewayPort)) {
            gateway.awaitListening(gatewayPort);
            try (DatamoverProcess tap = DatamoverProcess.start(work.resolve("tap.log"), options.tapJavaOptions(),
                    "tap", "--export", "disk=" + image, "--nbd", "127.0.0.1:" + nbdPort,
                    "--gateway", "127.0.0.1:" + gatewayPort, "--state-dir", work.resolve("state").toString(),
                    "--admin", "127.0.0.1:" + adminPort, "--window", Long.toString(options.windowBytes()),
                    "--initial-sync", "skip")) {
                tap.awaitListening(adminPort);
                tap.awaitListening(nbdPort);
                return measure(machine, gateway, tap, nbdPort, adminPort);
            }
        }
    }

    private OutageResult measure(MachineFacts machine, DatamoverProcess gateway, DatamoverProcess tap,
            int nbdPort, int adminPort) throws Exception {
        TapSampler sampler = new TapSampler(tap.pid(), adminPort);
        Path fioJson = work.resolve("fio.json");
        int fioSeconds = options.leadSeconds() + options.outageSeconds();
        Process fio = new ProcessBuilder("fio", "--name=guest", "--ioengine=nbd",
                "--uri=nbd://127.0.0.1:" + nbdPort + "/disk", "--rw=randwrite", "--bs=" + OutageOptions.BLOCK_SIZE,
                "--size=" + options.diskBytes(), "--iodepth=" + OutageOptions.IO_DEPTH, "--time_based",
                "--runtime=" + fioSeconds, "--refill_buffers", "--randrepeat=0", "--output-format=json")
                .redirectOutput(fioJson.toFile()).redirectError(work.resolve("fio.err").toFile()).start();
        long start = System.nanoTime();
        long killAt = start + TimeUnit.SECONDS.toNanos(options.leadSeconds());
        long deadline = start + TimeUnit.SECONDS.toNanos(fioSeconds + 60L);
        long next = start;
        boolean killed = false;
        try {
            while (fio.isAlive() && System.nanoTime() < deadline) {
                long now = System.nanoTime();
                if (!killed && now >= killAt) {
                    gateway.kill();
                    killed = true;
                    System.err.println("tap-outage: gateway killed; the outage lasts " + options.outageSeconds() + " s");
                }
                if (now >= next) {
                    if (!tap.isAlive()) {
                        break;
                    }
                    TapSample s = sampler.sample((now - killAt) / 1e9);
                    next += TimeUnit.MILLISECONDS.toNanos(options.sampleMillis());
                    progress(s);
                }
                long wake = killed ? next : Math.min(next, killAt);
                fio.waitFor(Math.max(1, wake - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            boolean tapAlive = tap.isAlive();
            if (tapAlive) {
                sampler.sample((System.nanoTime() - killAt) / 1e9);
            }
            if (!fio.waitFor(30, TimeUnit.SECONDS)) {
                throw new IOException("fio did not stop within 30 s of its runtime");
            }
            String out = Files.readString(fioJson, StandardCharsets.UTF_8);
            // fio's nbd engine prints "fio: connected to NBD server" before the JSON.
            String json = out.substring(Math.max(0, out.indexOf('{')));
            FioFigures figures = FioFigures.parse(json, fio.exitValue());
            return new OutageResult(options, machine, sampler.samples(), figures, tapAlive, bitmapTransition(tap));
        } finally {
            fio.destroyForcibly();
        }
    }

    private static void progress(TapSample s) {
        System.err.printf("tap-outage: t=%6.0f s heap %4d MiB direct %4d MiB rss %4d MiB window %4d MiB %s%n",
                s.seconds(), s.heapBytes() >> 20, s.directBytes() >> 20, s.rssBytes() >> 20, s.windowBytes() >> 20,
                s.bitmapMode() ? "bitmap" : "streaming");
    }

    private static Optional<String> bitmapTransition(DatamoverProcess tap) throws IOException {
        try (var lines = Files.lines(tap.log())) {
            return lines.filter(l -> l.contains("BITMAP mode at seq")).findFirst()
                    .map(l -> l.replaceFirst("^\\S+ \\[\\w+] ", ""));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
