package io.datamover.bench.rpo;

import static io.datamover.bench.OptionPairs.require;

import io.datamover.bench.OptionPairs;
import io.datamover.coordination.CoordinationConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The options of {@code bin/bench scale} (issue 19), validated once.
 *
 * @param dir where the disks, ZooKeeper's files and the daemons' directories live ({@code scale-run} under it)
 * @param groups consistency groups, one tap (in one taps JVM) and one 1 MiB sparse disk each
 * @param gateways source gateways the groups are spread over in the second layout
 * @param maxGroupMoves their {@code --max-group-moves}
 * @param sessionTimeoutSeconds their {@code --zookeeper-session-timeout}: how long a killed gateway's groups wait;
 *     the daemons' default unless given
 * @param out a file the report is also written to
 */
public record ScaleOptions(Path dir, int groups, int gateways, int maxGroupMoves, double sessionTimeoutSeconds,
        Optional<Path> out) {

    static final String USAGE = "usage: bench scale [--dir DIR] [--groups 100] [--gateways 2]"
            + " [--max-group-moves 10] [--session-timeout " + CoordinationConfig.DEFAULT_SESSION_TIMEOUT_SECONDS
            + "] [--out FILE]";

    public ScaleOptions {
        require(groups >= 1 && groups <= 1000, "--groups must be 1 to 1000", USAGE);
        require(gateways >= 2 && gateways <= groups, "--gateways must be at least 2 and at most --groups", USAGE);
        require(maxGroupMoves >= 1, "--max-group-moves must be at least 1", USAGE);
        require(sessionTimeoutSeconds >= 0.4, "--session-timeout must be at least 0.4", USAGE);
    }

    static ScaleOptions defaults() {
        return new ScaleOptions(Path.of("/var/tmp/dm-scale-bench"), 100, 2, 10,
                CoordinationConfig.DEFAULT_SESSION_TIMEOUT.toMillis() / 1000.0, Optional.empty());
    }

    /** Parses {@code --name value} pairs over {@link #defaults()}; bad input throws with the usage line. */
    static ScaleOptions parse(String... args) {
        ScaleOptions o = defaults();
        Map<String, String> given = OptionPairs.parse(args, Set.of("--dir", "--groups", "--gateways",
                "--max-group-moves", "--session-timeout", "--out"), USAGE);
        try {
            return new ScaleOptions(given.containsKey("--dir") ? Path.of(given.get("--dir")) : o.dir,
                    Integer.parseInt(given.getOrDefault("--groups", Integer.toString(o.groups))),
                    Integer.parseInt(given.getOrDefault("--gateways", Integer.toString(o.gateways))),
                    Integer.parseInt(given.getOrDefault("--max-group-moves", Integer.toString(o.maxGroupMoves))),
                    Double.parseDouble(given.getOrDefault("--session-timeout",
                            Double.toString(o.sessionTimeoutSeconds))),
                    Optional.ofNullable(given.get("--out")).map(Path::of));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + e.getMessage() + "\n" + USAGE, e);
        }
    }
}
