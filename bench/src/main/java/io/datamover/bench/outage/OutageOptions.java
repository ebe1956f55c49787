package io.datamover.bench.outage;

import static io.datamover.bench.OptionPairs.require;

import io.datamover.bench.OptionPairs;
import io.datamover.bench.Sizes;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The options of {@code bin/bench tap-outage}, validated once.
 *
 * @param outageSeconds how long the gateway stays away while fio writes ({@code --minutes} or {@code --seconds})
 * @param leadSeconds fio writes this long with the gateway up before it is killed, so the window holds records
 * @param dir where the disk image, the tap's state dir and the logs live (a {@code tap-outage-run} dir under it)
 * @param diskBytes size of the (sparse) disk the tap serves
 * @param windowBytes the tap's {@code --window}
 * @param heapBytes the tap JVM's {@code -Xmx}
 * @param directBytes the tap JVM's {@code -XX:MaxDirectMemorySize} (Netty's pooled buffers take the same bound)
 * @param sampleMillis how often the tap's memory is sampled
 * @param out a file the report is also written to
 */
public record OutageOptions(int outageSeconds, int leadSeconds, Path dir, long diskBytes, long windowBytes,
        long heapBytes, long directBytes, long sampleMillis, Optional<Path> out) {

    public static final String USAGE = "usage: bench tap-outage [--minutes 10 | --seconds N] [--lead-seconds 5]"
            + " [--dir DIR] [--size 4G] [--window 64M] [--xmx 256M] [--max-direct 256M] [--sample-ms 5000]"
            + " [--out FILE]";

    static final int BLOCK_SIZE = 64 << 10;
    static final int IO_DEPTH = 16;

    public OutageOptions {
        require(outageSeconds >= 1, "the outage must last at least 1 s", USAGE);
        require(leadSeconds >= 1, "--lead-seconds must be at least 1", USAGE);
        require(diskBytes >= 16L * BLOCK_SIZE && diskBytes % BLOCK_SIZE == 0,
                "--size must be a multiple of 64k, at least 1M", USAGE);
        require(windowBytes >= 1 << 20, "--window must be at least 1M", USAGE);
        require(heapBytes >= 32L << 20 && directBytes >= 16L << 20, "--xmx must be at least 32M, --max-direct 16M",
                USAGE);
        require(sampleMillis >= 100, "--sample-ms must be at least 100", USAGE);
    }

    public static OutageOptions defaults() {
        return new OutageOptions(600, 5, Path.of("/var/tmp/dm-tap-outage"), 4L << 30, 64L << 20, 256L << 20,
                256L << 20, 5000, Optional.empty());
    }

    /** Parses {@code --name value} pairs over {@link #defaults()}; bad input throws with the usage line. */
    public static OutageOptions parse(String... args) {
        OutageOptions o = defaults();
        Map<String, String> given = OptionPairs.parse(args, Set.of("--minutes", "--seconds", "--lead-seconds",
                "--dir", "--size", "--window", "--xmx", "--max-direct", "--sample-ms", "--out"), USAGE);
        try {
            int outage = given.containsKey("--minutes")
                    ? Math.toIntExact(Math.round(Double.parseDouble(given.get("--minutes")) * 60))
                    : Integer.parseInt(given.getOrDefault("--seconds", Integer.toString(o.outageSeconds)));
            return new OutageOptions(outage,
                    Integer.parseInt(given.getOrDefault("--lead-seconds", Integer.toString(o.leadSeconds))),
                    given.containsKey("--dir") ? Path.of(given.get("--dir")) : o.dir,
                    size(given, "--size", o.diskBytes), size(given, "--window", o.windowBytes),
                    size(given, "--xmx", o.heapBytes), size(given, "--max-direct", o.directBytes),
                    Long.parseLong(given.getOrDefault("--sample-ms", Long.toString(o.sampleMillis))),
                    Optional.ofNullable(given.get("--out")).map(Path::of));
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a number: " + e.getMessage() + "\n" + USAGE, e);
        }
    }

    private static long size(Map<String, String> given, String name, long fallback) {
        return given.containsKey(name) ? Sizes.parse(given.get(name)) : fallback;
    }

    /** The JVM options the tap is started with ({@code DATAMOVER_JAVA_OPTS}). */
    String tapJavaOptions() {
        // NMT's "Other" category is where Unsafe.allocateMemory lands: JDK direct buffers and Netty's pooled
        // arenas (which bypass the JDK's buffer-pool accounting), so the direct figure covers both.
        return "-Xmx" + (heapBytes >> 20) + "m -XX:MaxDirectMemorySize=" + (directBytes >> 20) + "m"
                + " -XX:NativeMemoryTracking=summary";
    }
}
