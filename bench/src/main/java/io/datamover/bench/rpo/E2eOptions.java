package io.datamover.bench.rpo;

import static io.datamover.bench.OptionPairs.require;

import io.datamover.bench.OptionPairs;
import io.datamover.bench.Sizes;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The options of {@code bin/bench e2e}, validated once.
 *
 * @param phaseSeconds how long each phase writes (the sustained run, then the half-rate run)
 * @param dir where the source image, journals, spool and replica live (a {@code e2e-run} directory under it)
 * @param diskBytes size of the (sparse) source disk
 * @param blockSize fio's write size
 * @param compressiblePercent fio's {@code --buffer_compress_percentage}
 * @param ioDepth fio's writes in flight
 * @param batchIntervalMs the source gateway's batch interval
 * @param journalMaxBytes the source journal's bound, or 0 for the pipeline's default
 * @param transports empty: one in-JVM pipeline, both phases; else the sustained phase once per transport and
 *     round, each on daemons as processes ({@link TransportComparison})
 * @param rounds how many times each transport runs, interleaved; 1 unless {@code transports} are given
 * @param warmupSeconds with {@code transports}: fio writes this long, and the pipeline drains, before the measured
 *     phase, so the daemons' JIT has compiled the hot paths (the JDK's AES-GCM among them) as a long-running
 *     daemon's has
 * @param out a file the report is also written to
 */
public record E2eOptions(int phaseSeconds, Path dir, long diskBytes, int blockSize, int compressiblePercent,
        int ioDepth, long batchIntervalMs, long journalMaxBytes, List<Transport> transports, int rounds,
        int warmupSeconds, Optional<Path> out) {

    public static final String USAGE = "usage: bench e2e --flat-out [--seconds 60] [--dir DIR] [--size 4G] [--bs 64k]"
            + " [--compressible 50] [--iodepth 16] [--batch-ms 100] [--journal SIZE]"
            + " [--transports plaintext,tls-jdk,tls-openssl [--rounds 1] [--warmup 0]] [--out FILE]";

    public E2eOptions {
        require(phaseSeconds >= 1, "--seconds must be at least 1", USAGE);
        checkWorkload(blockSize, diskBytes, compressiblePercent, ioDepth, batchIntervalMs,
                (ok, problem) -> require(ok, problem, USAGE));
        require(journalMaxBytes >= 0, "--journal must not be negative", USAGE);
        transports = List.copyOf(transports);
        require(transports.size() == Set.copyOf(transports).size(), "--transports names a transport twice", USAGE);
        require(journalMaxBytes == 0 || transports.isEmpty(), "--journal applies to the in-JVM run, not to"
                + " --transports", USAGE);
        require(rounds >= 1 && (rounds == 1 || !transports.isEmpty()), "--rounds must be at least 1, and needs"
                + " --transports", USAGE);
        require(warmupSeconds >= 0 && (warmupSeconds == 0 || !transports.isEmpty()), "--warmup must not be"
                + " negative, and needs --transports", USAGE);
    }

    public static E2eOptions defaults() {
        return new E2eOptions(60, Path.of("/var/tmp/dm-e2e-bench"), 4L << 30, 64 << 10, 50, 16, 100, 0, List.of(),
                1, 0, Optional.empty());
    }

    /** Parses {@code --name value} pairs over {@link #defaults()}; bad input throws with the usage line. */
    public static E2eOptions parse(String... args) {
        E2eOptions o = defaults();
        int seconds = o.phaseSeconds;
        Path dir = o.dir;
        long size = o.diskBytes;
        long bs = o.blockSize;
        int compressible = o.compressiblePercent;
        int depth = o.ioDepth;
        long batchMs = o.batchIntervalMs;
        long journal = o.journalMaxBytes;
        List<Transport> transports = o.transports;
        int rounds = o.rounds;
        int warmup = o.warmupSeconds;
        Optional<Path> out = o.out;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + args[i] + "\n" + USAGE);
            }
            String value = args[i + 1];
            try {
                switch (args[i]) {
                    case "--seconds" -> seconds = Integer.parseInt(value);
                    case "--dir" -> dir = Path.of(value);
                    case "--size" -> size = Sizes.parse(value);
                    case "--bs" -> bs = Sizes.parse(value);
                    case "--compressible" -> compressible = Integer.parseInt(value);
                    case "--iodepth" -> depth = Integer.parseInt(value);
                    case "--batch-ms" -> batchMs = Long.parseLong(value);
                    case "--journal" -> journal = Sizes.parse(value);
                    case "--transports" -> transports = Arrays.stream(value.split(",")).map(String::strip)
                            .map(Transport::parse).toList();
                    case "--rounds" -> rounds = Integer.parseInt(value);
                    case "--warmup" -> warmup = Integer.parseInt(value);
                    case "--out" -> out = Optional.of(Path.of(value));
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number for " + args[i] + ": " + value + "\n" + USAGE, e);
            }
        }
        if (bs > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--bs too large\n" + USAGE);
        }
        return new E2eOptions(seconds, dir, size, (int) bs, compressible, depth, batchMs, journal, transports, rounds,
                warmup, out);
    }

    /** A check that throws, saying {@code problem} and its command's usage, unless {@code ok}. */
    interface Requirement {
        void require(boolean ok, String problem);
    }

    /** The checks of fio's job and the batching both e2e benches make; {@code check} throws with its usage. */
    static void checkWorkload(int blockSize, long diskBytes, int compressiblePercent, int ioDepth, long batchIntervalMs,
            Requirement check) {
        check.require(blockSize >= 4096 && blockSize % 4096 == 0 && blockSize <= 8 << 20,
                "--bs must be a multiple of 4k up to 8M");
        check.require(diskBytes >= 16L * blockSize && diskBytes % blockSize == 0,
                "--size must be a multiple of --bs, at least 16 blocks");
        check.require(compressiblePercent >= 0 && compressiblePercent <= 100, "--compressible is a percentage");
        check.require(ioDepth >= 1 && ioDepth <= 256, "--iodepth must be 1..256");
        check.require(batchIntervalMs >= 1, "--batch-ms must be at least 1");
    }
}
