package io.datamover.bench.rpo;

import static io.datamover.bench.OptionPairs.require;

import io.datamover.bench.OptionPairs;
import io.datamover.bench.Sizes;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The options of {@code bin/bench e2e} (the sustained-rate search, {@link SustainedRateRamp}), validated once.
 *
 * @param dir where each transport's source image, journals, spool and replica live ({@code ramp-run} under it)
 * @param diskBytes size of the (sparse) source disk
 * @param blockSize fio's write size
 * @param compressiblePercent fio's {@code --buffer_compress_percentage}
 * @param ioDepth fio's writes in flight
 * @param batchIntervalMs the source gateway's batch interval
 * @param transports searched one after the other, each on its own daemons
 * @param warmupSeconds an unmeasured step at {@code startRate} first, so the daemons' JIT has compiled the hot paths
 * @param stepSeconds how long fio writes at each rate
 * @param startRate the first rate tried (bytes a second); the search doubles it, then bisects
 * @param resolution the search's granularity: every rate tried is a multiple of it
 * @param maxSteps the most measured steps per transport
 * @param maxRpoSeconds a step holds only while the end-to-end RPO over its last second stays under this
 * @param out a file the report is also written to
 */
public record RampOptions(Path dir, long diskBytes, int blockSize, int compressiblePercent, int ioDepth,
        long batchIntervalMs, List<Transport> transports, int warmupSeconds, int stepSeconds, long startRate,
        long resolution, int maxSteps, double maxRpoSeconds, Optional<Path> out) {

    public static final String USAGE = "usage: bench e2e [--transports plaintext,tls-jdk,tls-openssl] [--steps 6]"
            + " [--step-seconds 8] [--start-rate 16M] [--resolution 4M] [--max-rpo 2] [--warmup 10] [--dir DIR]"
            + " [--size 2G] [--bs 64k] [--compressible 50] [--iodepth 16] [--batch-ms 100] [--out FILE]\n"
            + "       bench e2e --flat-out ...  (the earlier phases, fio unthrottled: bench e2e --flat-out --help)";

    /** The rates doubled past this are not tried: far beyond what the tap's NBD path serves on any machine here. */
    static final long MAX_RATE = 4L << 30;

    public RampOptions {
        E2eOptions.checkWorkload(blockSize, diskBytes, compressiblePercent, ioDepth, batchIntervalMs,
                (ok, problem) -> require(ok, problem, USAGE));
        transports = List.copyOf(transports);
        require(!transports.isEmpty() && transports.size() == Set.copyOf(transports).size(),
                "--transports names each transport once", USAGE);
        require(warmupSeconds >= 0, "--warmup must not be negative", USAGE);
        require(stepSeconds >= 1, "--step-seconds must be at least 1", USAGE);
        require(resolution >= blockSize, "--resolution must be at least one block a second", USAGE);
        require(startRate >= resolution && startRate % resolution == 0 && startRate <= MAX_RATE,
                "--start-rate must be a multiple of --resolution, up to 4G", USAGE);
        require(maxSteps >= 1, "--steps must be at least 1", USAGE);
        require(maxRpoSeconds > 0, "--max-rpo must be positive", USAGE);
    }

    public static RampOptions defaults() {
        return new RampOptions(Path.of("/var/tmp/dm-e2e-bench"), 2L << 30, 64 << 10, 50, 16, 100,
                List.of(Transport.PLAINTEXT, Transport.TLS_JDK, Transport.TLS_OPENSSL), 10, 8, 16L << 20, 4L << 20, 6,
                2, Optional.empty());
    }

    /** Parses {@code --name value} pairs over {@link #defaults()}; bad input throws with the usage line. */
    public static RampOptions parse(String... args) {
        RampOptions o = defaults();
        Map<String, String> given = OptionPairs.parse(args, Set.of("--dir", "--size", "--bs", "--compressible",
                "--iodepth", "--batch-ms", "--transports", "--warmup", "--step-seconds", "--start-rate",
                "--resolution", "--steps", "--max-rpo", "--out"), USAGE);
        try {
            long bs = size(given, "--bs", o.blockSize);
            require(bs <= Integer.MAX_VALUE, "--bs too large", USAGE);
            return new RampOptions(given.containsKey("--dir") ? Path.of(given.get("--dir")) : o.dir,
                    size(given, "--size", o.diskBytes), (int) bs,
                    number(given, "--compressible", o.compressiblePercent), number(given, "--iodepth", o.ioDepth),
                    Long.parseLong(given.getOrDefault("--batch-ms", Long.toString(o.batchIntervalMs))),
                    given.containsKey("--transports") ? Arrays.stream(given.get("--transports").split(","))
                            .map(String::strip).map(Transport::parse).toList() : o.transports,
                    number(given, "--warmup", o.warmupSeconds), number(given, "--step-seconds", o.stepSeconds),
                    size(given, "--start-rate", o.startRate), size(given, "--resolution", o.resolution),
                    number(given, "--steps", o.maxSteps),
                    Double.parseDouble(given.getOrDefault("--max-rpo", Double.toString(o.maxRpoSeconds))),
                    Optional.ofNullable(given.get("--out")).map(Path::of));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + e.getMessage() + "\n" + USAGE, e);
        }
    }

    /** fio at {@code rate} for {@code seconds}: random writes over the whole disk, as every step writes. */
    Workload step(int seconds, long rate) {
        return new Workload(seconds, blockSize, compressiblePercent, ioDepth, rate);
    }

    private static int number(Map<String, String> given, String name, int fallback) {
        return given.containsKey(name) ? Integer.parseInt(given.get(name)) : fallback;
    }

    private static long size(Map<String, String> given, String name, long fallback) {
        return given.containsKey(name) ? Sizes.parse(given.get(name)) : fallback;
    }
}
