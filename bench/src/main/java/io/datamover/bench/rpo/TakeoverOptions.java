package io.datamover.bench.rpo;

import static io.datamover.bench.OptionPairs.require;

import io.datamover.bench.OptionPairs;
import io.datamover.bench.Sizes;
import io.datamover.coordination.CoordinationConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The options of {@code bin/bench takeover} (issue 19), validated once.
 *
 * @param dir where the disk, ZooKeeper's files and the daemons' directories live ({@code takeover-run} under it)
 * @param diskBytes size of the (sparse) source disk
 * @param guestRate the guest fio's {@code --rate} throughout
 * @param seconds how long the guest writes in all
 * @param killAfterSeconds when, into the guest's run, the leading source gateway gets SIGKILL
 * @param sessionTimeoutSeconds both source gateways' {@code --zookeeper-session-timeout}: the dead leader's session
 *     must expire before the standby may lead; the daemons' default unless given
 * @param transport how the daemons talk
 * @param out a file the report is also written to
 */
public record TakeoverOptions(Path dir, long diskBytes, long guestRate, int seconds, int killAfterSeconds,
        double sessionTimeoutSeconds, Transport transport, Optional<Path> out) {

    static final String USAGE = "usage: bench takeover [--dir DIR] [--size 256M] [--guest-rate 8M] [--seconds 40]"
            + " [--kill-after 10] [--session-timeout "
            + CoordinationConfig.DEFAULT_SESSION_TIMEOUT_SECONDS + "] [--transport tls-jdk] [--out FILE]";

    public TakeoverOptions {
        require(diskBytes >= 16L << 20 && diskBytes % (64 << 10) == 0, "--size must be a multiple of 64k, at least 16M",
                USAGE);
        require(guestRate >= 64 << 10, "--guest-rate must be at least 64k", USAGE);
        require(killAfterSeconds >= 1 && seconds > killAfterSeconds, "--kill-after must be at least 1 and below"
                + " --seconds", USAGE);
        require(sessionTimeoutSeconds >= 0.4, "--session-timeout must be at least 0.4", USAGE);
    }

    static TakeoverOptions defaults() {
        return new TakeoverOptions(Path.of("/var/tmp/dm-takeover-bench"), 256L << 20, 8L << 20, 40, 10,
                CoordinationConfig.DEFAULT_SESSION_TIMEOUT.toMillis() / 1000.0, Transport.TLS_JDK, Optional.empty());
    }

    /** Parses {@code --name value} pairs over {@link #defaults()}; bad input throws with the usage line. */
    static TakeoverOptions parse(String... args) {
        TakeoverOptions o = defaults();
        Map<String, String> given = OptionPairs.parse(args, Set.of("--dir", "--size", "--guest-rate", "--seconds",
                "--kill-after", "--session-timeout", "--transport", "--out"), USAGE);
        try {
            return new TakeoverOptions(given.containsKey("--dir") ? Path.of(given.get("--dir")) : o.dir,
                    given.containsKey("--size") ? Sizes.parse(given.get("--size")) : o.diskBytes,
                    given.containsKey("--guest-rate") ? Sizes.parse(given.get("--guest-rate")) : o.guestRate,
                    Integer.parseInt(given.getOrDefault("--seconds", Integer.toString(o.seconds))),
                    Integer.parseInt(given.getOrDefault("--kill-after", Integer.toString(o.killAfterSeconds))),
                    Double.parseDouble(given.getOrDefault("--session-timeout",
                            Double.toString(o.sessionTimeoutSeconds))),
                    given.containsKey("--transport") ? Transport.parse(given.get("--transport")) : o.transport,
                    Optional.ofNullable(given.get("--out")).map(Path::of));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + e.getMessage() + "\n" + USAGE, e);
        }
    }

    /** The guest's fio job: 64 KiB random writes, four in flight, half compressible, at the rate, for the run. */
    Workload guest() {
        return new Workload(seconds, 64 << 10, 50, 4, guestRate);
    }
}
