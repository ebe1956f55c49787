package io.datamover.bench.rpo;

import static io.datamover.bench.OptionPairs.require;

import io.datamover.bench.OptionPairs;
import io.datamover.bench.Sizes;
import io.datamover.bench.link.LinkSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The options of {@code bin/bench rpo}, validated once: the workload, the link, and the lists the sweep crosses
 * (every batch interval with every batch size, compression setting and link bandwidth, one run each).
 *
 * @param seconds how long each run's steady phase writes at {@code rateBytesPerSecond}
 * @param burstBytes what each run's burst writes unthrottled before the drain is timed
 * @param latency the link's one-way latency
 * @param outages the link's outages, counted from the start of each steady phase
 * @param linkMbit the link bandwidths to sweep, Mbit/s; 0 is unlimited
 * @param results where report.md and the plots go
 * @param sourceOptions more options of every run's source gateway, e.g. {@code --max-rate 1M}
 */
public record RpoOptions(int seconds, long burstBytes, Path dir, long diskBytes, int blockSize, long rateBytesPerSecond,
        int readPercent, double zipfTheta, int compressiblePercent, int ioDepth, Duration latency,
        List<LinkSpec.Outage> outages, List<Long> batchMs, List<Integer> batchBytes, List<Boolean> compression,
        List<Long> linkMbit, Path results, List<String> sourceOptions) {

    public static final String USAGE = """
            usage: bench rpo [--full] [--results DIR] [--dir DIR] [--seconds 15] [--burst 32M] [--size 1G] [--bs 64k]
                             [--rate 4M] [--read 30] [--zipf 1.2] [--compressible 50] [--iodepth 8]
                             [--latency-ms 5] [--outage AT+LENGTH[:stall],...]
                             [--batch-ms 25,250] [--batch-bytes 8M] [--compression on] [--link-mbit 40,160]
                             [--source-options "--max-rate 1M --rpo-driven-max-rate 0 --rpo-objective 4"]
              (--full sweeps --batch-ms 10,100,500,1000 --batch-bytes 1M,8M --compression on,off
               --link-mbit 50,100,400; a list given explicitly wins)""";

    public RpoOptions {
        require(seconds >= 1, "--seconds must be at least 1", USAGE);
        require(blockSize >= 4096 && blockSize % 4096 == 0 && blockSize <= 8 << 20,
                "--bs must be a multiple of 4k up to 8M", USAGE);
        require(diskBytes >= 16L * blockSize && diskBytes % blockSize == 0,
                "--size must be a multiple of --bs, at least 16 blocks", USAGE);
        require(burstBytes >= blockSize, "--burst must be at least one block", USAGE);
        require(rateBytesPerSecond >= blockSize, "--rate must be at least one block a second", USAGE);
        require(readPercent >= 0 && readPercent <= 99, "--read is a percentage below 100", USAGE);
        require(zipfTheta == 0 || zipfTheta > 0 && zipfTheta != 1, "--zipf is 0 (uniform) or a theta other than 1",
                USAGE);
        require(compressiblePercent >= 0 && compressiblePercent <= 100, "--compressible is a percentage", USAGE);
        require(ioDepth >= 1 && ioDepth <= 256, "--iodepth must be 1..256", USAGE);
        require(!latency.isNegative(), "--latency-ms must not be negative", USAGE);
        require(!batchMs.isEmpty() && batchMs.stream().allMatch(v -> v >= 1), "--batch-ms values must be >= 1", USAGE);
        require(!batchBytes.isEmpty() && batchBytes.stream().allMatch(v -> v >= blockSize),
                "--batch-bytes values must be at least --bs", USAGE);
        require(!compression.isEmpty(), "--compression needs on, off or both", USAGE);
        require(!linkMbit.isEmpty() && linkMbit.stream().allMatch(v -> v >= 0), "--link-mbit values must be >= 0",
                USAGE);
        outages = List.copyOf(outages);
        batchMs = List.copyOf(batchMs);
        batchBytes = List.copyOf(batchBytes);
        compression = List.copyOf(compression);
        linkMbit = List.copyOf(linkMbit);
        sourceOptions = List.copyOf(sourceOptions);
    }

    /** The quick sweep: four runs of about 30 s each. */
    public static RpoOptions defaults() {
        return new RpoOptions(15, 32L << 20, Path.of("/var/tmp/dm-rpo-bench"), 1L << 30, 64 << 10, 4L << 20, 30,
                1.2, 50, 8, Duration.ofMillis(5), List.of(), List.of(25L, 250L), List.of(8 << 20), List.of(true),
                List.of(40L, 160L), defaultResults(), List.of());
    }

    /** {@code bench/results/<timestamp>} under the checkout bin/bench runs from, else under the working directory. */
    static Path defaultResults() {
        String root = System.getProperty("datamover.bench.results", "bench/results");
        return Path.of(root, LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    /** One run of the sweep per combination, batch interval varying fastest. */
    public List<RunConfig> runs() {
        List<RunConfig> runs = new ArrayList<>();
        for (long mbit : linkMbit) {
            for (boolean lz4 : compression) {
                for (int bytes : batchBytes) {
                    for (long ms : batchMs) {
                        runs.add(new RunConfig(runs.size() + 1, ms, bytes, lz4,
                                new LinkSpec(mbit * 1_000_000, latency, outages), sourceOptions));
                    }
                }
            }
        }
        return runs;
    }

    /** One point of the sweep; {@code sourceOptions} go to its source gateway as they are. */
    public record RunConfig(int number, long batchMs, int batchBytes, boolean compression, LinkSpec link,
            List<String> sourceOptions) {}

    public Workload steadyWorkload() {
        return new Workload(seconds, blockSize, compressiblePercent, ioDepth, rateBytesPerSecond, readPercent,
                zipfTheta, 0);
    }

    /** Parses the command line over {@link #defaults()}; bad input throws with the usage text. */
    public static RpoOptions parse(String... args) {
        RpoOptions o = defaults();
        boolean full = List.of(args).contains("--full");
        List<Long> batchMs = full ? List.of(10L, 100L, 500L, 1000L) : o.batchMs;
        List<Integer> batchBytes = full ? List.of(1 << 20, 8 << 20) : o.batchBytes;
        List<Boolean> compression = full ? List.of(true, false) : o.compression;
        List<Long> linkMbit = full ? List.of(50L, 100L, 400L) : o.linkMbit;
        int seconds = o.seconds;
        long burst = o.burstBytes;
        Path dir = o.dir;
        long size = o.diskBytes;
        long bs = o.blockSize;
        long rate = o.rateBytesPerSecond;
        int read = o.readPercent;
        double zipf = o.zipfTheta;
        int compressible = o.compressiblePercent;
        int depth = o.ioDepth;
        Duration latency = o.latency;
        List<LinkSpec.Outage> outages = o.outages;
        Path results = o.results;
        List<String> sourceOptions = o.sourceOptions;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--full")) {
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + name + "\n" + USAGE);
            }
            String value = args[++i];
            try {
                switch (name) {
                    case "--seconds" -> seconds = Integer.parseInt(value);
                    case "--burst" -> burst = Sizes.parse(value);
                    case "--dir" -> dir = Path.of(value);
                    case "--size" -> size = Sizes.parse(value);
                    case "--bs" -> bs = Sizes.parse(value);
                    case "--rate" -> rate = Sizes.parse(value);
                    case "--read" -> read = Integer.parseInt(value);
                    case "--zipf" -> zipf = Double.parseDouble(value);
                    case "--compressible" -> compressible = Integer.parseInt(value);
                    case "--iodepth" -> depth = Integer.parseInt(value);
                    case "--latency-ms" -> latency = Duration.ofMillis(Long.parseLong(value));
                    case "--outage" -> outages = list(value, LinkSpec.Outage::parse);
                    case "--batch-ms" -> batchMs = list(value, Long::parseLong);
                    case "--batch-bytes" -> batchBytes = list(value, v -> Math.toIntExact(Sizes.parse(v)));
                    case "--compression" -> compression = list(value, RpoOptions::onOff);
                    case "--link-mbit" -> linkMbit = list(value, Long::parseLong);
                    case "--results" -> results = Path.of(value);
                    case "--source-options" -> sourceOptions = List.of(value.trim().split("\\s+"));
                    default -> throw new IllegalArgumentException("unknown option " + name);
                }
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException("not a number for " + name + ": " + value + "\n" + USAGE, e);
            }
        }
        if (bs > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--bs too large\n" + USAGE);
        }
        return new RpoOptions(seconds, burst, dir, size, (int) bs, rate, read, zipf, compressible, depth, latency,
                outages, batchMs, batchBytes, compression, linkMbit, results, sourceOptions);
    }

    private static <T> List<T> list(String value, Function<String, T> parse) {
        return value.isBlank() ? List.of() : Arrays.stream(value.split(",")).map(String::trim).map(parse).toList();
    }

    private static boolean onOff(String v) {
        return switch (v) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException("--compression takes on and/or off, not " + v);
        };
    }
}
