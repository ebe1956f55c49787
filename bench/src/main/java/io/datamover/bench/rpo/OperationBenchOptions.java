package io.datamover.bench.rpo;

import io.datamover.bench.OptionPairs;
import io.datamover.bench.Sizes;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The options of {@code bin/bench verify} and {@code bin/bench rehearsal} (issue 18): a pair of daemons on a disk
 * written full, and a guest writing at a fixed rate with and without the operation running, validated once.
 *
 * @param command {@code verify} or {@code rehearsal}, for the usage line
 * @param dir where the disk, the daemons' directories and logs live ({@code <command>-run} under it)
 * @param diskBytes size of the source disk, written full before the measurements
 * @param transport how the daemons talk
 * @param guestRate the guest fio's {@code --rate} in the phases with and without the operation
 * @param guestSeconds how long each of those phases writes
 * @param verifyRate {@code verify}'s {@code --rate} (0 unlimited) where it is limited; verify only
 * @param out a file the report is also written to
 */
public record OperationBenchOptions(String command, Path dir, long diskBytes, Transport transport, long guestRate,
        int guestSeconds, long verifyRate, Optional<Path> out) {

    static final String VERIFY = "verify";
    static final String REHEARSAL = "rehearsal";
    /** The guest's writes: 64 KiB, four in flight, half compressible, over the whole disk. */
    static final int GUEST_BLOCK = 64 << 10;
    static final int GUEST_DEPTH = 4;

    public OperationBenchOptions {
        require(command.equals(VERIFY) || command.equals(REHEARSAL), command, "no such bench");
        require(diskBytes >= 16L << 20 && diskBytes % (1 << 20) == 0, command, "--size must be a multiple of 1M,"
                + " at least 16M");
        require(guestRate >= GUEST_BLOCK, command, "--guest-rate must be at least 64k");
        require(guestSeconds >= 1, command, "--guest-seconds must be at least 1");
        require(verifyRate >= 0, command, "--rate must not be negative");
    }

    static String usage(String command) {
        return "usage: bench " + command + " [--dir DIR] [--size 512M] [--transport tls-jdk] [--guest-rate 16M]"
                + " [--guest-seconds 20]" + (command.equals(VERIFY) ? " [--rate 50M]" : "") + " [--out FILE]";
    }

    static OperationBenchOptions defaults(String command) {
        return new OperationBenchOptions(command, Path.of("/var/tmp/dm-" + command + "-bench"), 512L << 20,
                Transport.TLS_JDK, 16L << 20, 20, 50L << 20, Optional.empty());
    }

    /** Parses {@code --name value} pairs over {@link #defaults}; bad input throws with the usage line. */
    static OperationBenchOptions parse(String command, String... args) {
        OperationBenchOptions o = defaults(command);
        Set<String> known = new HashSet<>(Set.of("--dir", "--size", "--transport", "--guest-rate", "--guest-seconds",
                "--out"));
        if (command.equals(VERIFY)) {
            known.add("--rate");
        }
        Map<String, String> given = OptionPairs.parse(args, known, usage(command));
        try {
            return new OperationBenchOptions(command, given.containsKey("--dir") ? Path.of(given.get("--dir")) : o.dir,
                    size(given, "--size", o.diskBytes),
                    given.containsKey("--transport") ? Transport.parse(given.get("--transport")) : o.transport,
                    size(given, "--guest-rate", o.guestRate),
                    Integer.parseInt(given.getOrDefault("--guest-seconds", Integer.toString(o.guestSeconds))),
                    size(given, "--rate", o.verifyRate), Optional.ofNullable(given.get("--out")).map(Path::of));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + e.getMessage() + "\n" + usage(command), e);
        }
    }

    /** The guest's fio job of the measured phases. */
    Workload guest() {
        return new Workload(guestSeconds, GUEST_BLOCK, 50, GUEST_DEPTH, guestRate);
    }

    /** fio writing every block of the disk once, 1 MiB at a time, as fast as it goes. */
    Workload fill() {
        return new Workload(600, 1 << 20, 50, 16, 0).burst(diskBytes, 600);
    }

    private static long size(Map<String, String> given, String name, long fallback) {
        return given.containsKey(name) ? Sizes.parse(given.get(name)) : fallback;
    }

    private static void require(boolean ok, String command, String problem) {
        if (!ok) {
            throw new IllegalArgumentException(problem + "\n" + usage(command));
        }
    }
}
