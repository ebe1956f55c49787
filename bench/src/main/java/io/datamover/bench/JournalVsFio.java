package io.datamover.bench;

import io.datamover.gateway.source.journal.AppendResult;
import io.datamover.gateway.source.journal.Journal;
import io.datamover.gateway.source.journal.JournalConfig;
import io.datamover.gateway.source.journal.JournalStorageException;
import io.datamover.gateway.source.journal.JournalWriteException;
import io.datamover.gateway.source.journal.OutOfSequenceException;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.Crc32c;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.WriteRecord;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The source journal's append+sync bandwidth against fio's sequential write with fdatasync on the same
 * directory, in one run: both write {@code --size} bytes in {@code --record-size} writes and sync every
 * {@code --records-per-sync} writes (the journal's group commit against fio's {@code --fdatasync=N}). The
 * journal runs twice per round: waiting for each sync ({@code Journal.sync()}: append, sync, append, like fio)
 * and pipelined as the gateway's owner thread does it ({@code Journal.startSync()}: the sync of a group runs on
 * the journal's sync thread while the next group is appended; at most one in flight, so as many fdatasyncs as
 * fio, and everything is durable when the clock stops). Rounds alternate fio and journal so all see the same
 * disk state. Prints a markdown table, and the journal's fdatasync times per job on stderr.
 *
 * <pre>bin/bench journal-vs-fio --dir /var/tmp/dm-journal --size 1G --record-size 64k --records-per-sync 16</pre>
 */
public final class JournalVsFio {
    private JournalVsFio() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("/var/tmp/dm-journal-bench");
        long size = 1L << 30;
        int recordSize = 64 * 1024;
        int recordsPerSync = 16;
        int rounds = 2;
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : usage("missing value for " + args[i]);
            switch (args[i]) {
                case "--dir" -> dir = Path.of(value);
                case "--size" -> size = Sizes.parse(value);
                case "--record-size" -> recordSize = Math.toIntExact(Sizes.parse(value));
                case "--records-per-sync" -> recordsPerSync = Integer.parseInt(value);
                case "--rounds" -> rounds = Integer.parseInt(value);
                default -> usage("unknown option " + args[i]);
            }
        }
        Files.createDirectories(dir);
        List<double[]> results = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            double fio = fioMegabytesPerSecond(dir, size, recordSize, recordsPerSync);
            double waited = journalMegabytesPerSecond(dir, size, recordSize, recordsPerSync, false);
            double pipelined = journalMegabytesPerSecond(dir, size, recordSize, recordsPerSync, true);
            results.add(new double[] {fio, waited, pipelined});
            System.err.printf("round %d: fio %.0f MB/s, journal %.0f MB/s (sync waited), %.0f MB/s (pipelined)%n",
                    round, fio, waited, pipelined);
        }
        System.out.printf("%n| round | fio write+fdatasync MB/s | journal, sync waited, MB/s | / fio"
                + " | journal, pipelined sync, MB/s | / fio |%n");
        System.out.printf("|---:|---:|---:|---:|---:|---:|%n");
        double[] sums = new double[3];
        for (int i = 0; i < results.size(); i++) {
            double[] r = results.get(i);
            for (int k = 0; k < sums.length; k++) {
                sums[k] += r[k];
            }
            System.out.printf("| %d | %,.0f | %,.0f | %.2f | %,.0f | %.2f |%n", i + 1, r[0], r[1], r[1] / r[0], r[2],
                    r[2] / r[0]);
        }
        System.out.printf("| mean | %,.0f | %,.0f | **%.2f** | %,.0f | **%.2f** |%n", sums[0] / rounds,
                sums[1] / rounds, sums[1] / sums[0], sums[2] / rounds, sums[2] / sums[0]);
        System.out.printf("%n%s of %s writes, a sync every %d writes (%s per sync)%n", Sizes.human(size),
                Sizes.human(recordSize), recordsPerSync, Sizes.human((long) recordSize * recordsPerSync));
    }

    private static double fioMegabytesPerSecond(Path dir, long size, int recordSize, int recordsPerSync)
            throws IOException, InterruptedException {
        Path file = dir.resolve("fio.dat");
        Process fio = new ProcessBuilder("fio", "--name=seq-fdatasync", "--filename=" + file, "--rw=write",
                "--bs=" + recordSize, "--size=" + size, "--ioengine=psync", "--fdatasync=" + recordsPerSync,
                "--end_fsync=1", "--output-format=json")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String json = new String(fio.getInputStream().readAllBytes());
        if (fio.waitFor() != 0) {
            throw new IOException("fio failed: " + json);
        }
        Files.deleteIfExists(file);
        return FioOutput.writeField(json, "bw_bytes") / 1e6;
    }

    private static double journalMegabytesPerSecond(Path dir, long size, int recordSize, int recordsPerSync,
            boolean pipelined) throws IOException, JournalStorageException {
        Path journalDir = dir.resolve("journal");
        BenchFiles.deleteTree(journalDir);
        byte[] bytes = new byte[recordSize];
        new SplittableRandom(42).nextBytes(bytes);
        ByteBuf payload = Unpooled.directBuffer(recordSize).writeBytes(bytes);
        int payloadCrc = Crc32c.of(payload); // the tap's CRC, taken once: not journal work, so not timed
        long records = size / recordSize;
        long start;
        long end;
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Journal journal = Journal.open(JournalConfig.of(journalDir, size * 2), registry,
                InstantSource.system())) {
            start = System.nanoTime();
            for (long seq = 1; seq <= records; seq++) {
                WriteRecord r = new WriteRecord(1, seq, false, new BlockWrite(seq, 0, (seq * recordSize) % (1L << 40),
                        recordSize, RecordKind.DATA, payloadCrc, payload.retainedDuplicate()));
                try {
                    if (journal.append(r) != AppendResult.APPENDED) {
                        throw new IllegalStateException("journal full at seq " + seq);
                    }
                } catch (OutOfSequenceException | JournalWriteException e) {
                    throw new IllegalStateException(e);
                } finally {
                    r.release();
                }
                if (seq % recordsPerSync == 0) {
                    if (pipelined) {
                        journal.startSync();
                    } else {
                        journal.sync();
                    }
                }
            }
            journal.sync();
            end = System.nanoTime();
        } finally {
            payload.release();
        }
        Timer syncs = registry.get("datamover.journal.syncs").timer(); // timed on the sync thread: fdatasync alone
        System.err.printf("journal (%s): %d fdatasyncs, mean %.2f ms, max %.1f ms%n",
                pipelined ? "pipelined" : "sync waited", syncs.count(), syncs.mean(TimeUnit.MILLISECONDS), syncs.max(TimeUnit.MILLISECONDS));
        BenchFiles.deleteTree(journalDir);
        return records * (double) recordSize / ((end - start) / 1e9) / 1e6;
    }

    private static String usage(String problem) {
        System.err.println("journal-vs-fio: " + problem + "\nusage: journal-vs-fio [--dir DIR] [--size SIZE]"
                + " [--record-size SIZE] [--records-per-sync N] [--rounds N]");
        System.exit(2);
        return null;
    }
}
