package io.datamover.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code datamover throttle --max-rate R} or {@code --schedule RULES}: replaces the rate limit of the source gateway's
 * link to the target while it runs (its {@code --max-rate} or {@code --max-rate-schedule}, until the next start).
 */
@Command(name = "throttle", header = "Change the rate limit of the link to the target gateway while it runs.",
        mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Asks the source gateway's admin port to replace the rate limit of its link to the target"
                + " gateway (all consistency groups together, wire bytes per second), at once and without a restart."
                + " The daemon's --max-rate / --max-rate-schedule come back at its next start.",
                "",
                "Needs the daemon's admin token (--admin-token-file). The answer, `datamover status` and the metric"
                        + " datamover_source_max_rate_bytes_per_second show the limit in force."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the new limit is in force",
                "1:refused (a wrong rate or schedule, no or a wrong admin token), or the admin port could not be"
                        + " reached",
                "2:wrong options"})
public final class ThrottleCommand implements Callable<Integer> {
    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Limit limit;

    static final class Limit {
        @Option(names = "--max-rate", paramLabel = "RATE",
                description = "One limit at every hour, e.g. 50M (MiB/s); 0: unlimited.")
        String maxRate;

        @Option(names = "--schedule", paramLabel = "RULES",
                description = "A limit by day and hour, e.g. 'Mon-Fri 08:00-18:00=20M,*=0' (see source-gateway"
                        + " --max-rate-schedule).")
        String schedule;
    }

    @Option(names = "--zone", paramLabel = "ZONE", description = "Time zone of --schedule (default: UTC).")
    String zone;

    @CommandLine.Mixin
    SourceAdminCall call;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        String query = limit.maxRate != null ? "max-rate=" + encode(limit.maxRate) : "schedule=" + encode(limit.schedule)
                + (zone != null ? "&zone=" + encode(zone) : "");
        return call.post(spec, "/throttle?" + query);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
