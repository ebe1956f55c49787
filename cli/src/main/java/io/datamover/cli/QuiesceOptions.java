package io.datamover.cli;

import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The bounds of a quiesce and drain ({@link Migration}'s phases 1-3), shared by {@code migrate} and the running
 * daemons' {@code failback}: how far the replicas may lag, how long the tap holds writes, how long the drain waits.
 */
final class QuiesceOptions {
    @Option(names = "--max-lag", paramLabel = "SECONDS", defaultValue = "10",
            description = "Refuse when the replicas lag by more (the source gateway's RPO; default: "
                    + "${DEFAULT-VALUE}).")
    double maxLagSeconds;

    @Option(names = "--max-pause", paramLabel = "SECONDS", defaultValue = "30",
            description = "The longest the tap holds writes; they go on by themselves after it, whatever became of "
                    + "this command (default: ${DEFAULT-VALUE}).")
    double maxPauseSeconds;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS",
            description = "How long the drain waits for RPO 0 before it releases the writes (default: --max-pause "
                    + "less 5 s for the hand-off, at least 1 s).")
    Double drainTimeoutSeconds;

    /**
     * The phases' options for group {@code cg}, the disks living at {@code nowAt} after the hand-off.
     *
     * @throws CommandLine.ParameterException a bound out of range, or a drain not ending while the writes are held
     */
    Migration.Options options(CommandLine.Model.CommandSpec spec, long cg, String nowAt) {
        Duration maxPause = seconds(spec, "--max-pause", maxPauseSeconds);
        Duration drain = drainTimeoutSeconds != null ? seconds(spec, "--drain-timeout", drainTimeoutSeconds)
                : Duration.ofMillis(Math.max(1000, maxPause.toMillis() - 5000));
        if (drain.compareTo(maxPause) >= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--drain-timeout must be below --max-pause "
                    + "(the hand-off needs the writes still held)");
        }
        return new Migration.Options(cg, seconds(spec, "--max-lag", maxLagSeconds), maxPause, drain, nowAt);
    }

    private static Duration seconds(CommandLine.Model.CommandSpec spec, String option, double value) {
        if (!(value > 0) || value > 86_400) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " must be above 0 and at most a "
                    + "day, got " + value);
        }
        return Duration.ofMillis(Math.round(value * 1000));
    }
}
