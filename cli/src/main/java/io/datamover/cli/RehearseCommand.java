package io.datamover.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code datamover rehearse start|stop --cg N}: at the recovery site, a copy-on-write view of a consistency group's
 * replicas for a test VM, through the running target gateway's admin port, while replication goes on.
 */
@Command(name = "rehearse", header = "Rehearse a failover on a copy-on-write view of the replicas.",
        mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
        description = {"Run at the recovery site. start: the target gateway serves the replicas' image at their "
                + "applied seq over NBD (one export per disk, at --nbd) for a test VM, and keeps applying batches: "
                + "before it writes over a region the view still shows, it keeps the region's old contents for the "
                + "view (up to --preserve-max; past it the rehearsal ends, never replication). The test VM's writes "
                + "go to a thin scratch area (up to --scratch-max; past it the VM's write fails with ENOSPC), never "
                + "to the replicas.",
                "",
                "stop: closes the NBD listener and deletes the scratch and the kept regions. Both are idempotent; "
                        + "one rehearsal per group at a time. A target gateway restart ends a rehearsal (its files "
                        + "are deleted when the group opens again). Refused while the replicas hold no consistent "
                        + "image (a resync is running)."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:done (or was already)", "1:refused, or the admin port could not be reached",
                "2:wrong options", "3:it failed (an I/O error): run it again"})
public final class RehearseCommand implements Callable<Integer> {
    private static final Duration ANSWER_TIMEOUT = Duration.ofMinutes(2);

    /** What to do. */
    enum Action { start, stop }

    @Parameters(index = "0", paramLabel = "start|stop", description = "start or stop the rehearsal.")
    Action action;

    @CommandLine.Mixin
    ConsistencyGroupOption group;

    @Option(names = "--nbd", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:10810", description = "start: where the view is served (default: "
                    + "${DEFAULT-VALUE}).")
    HostPort nbd;

    @Option(names = "--scratch-max", paramLabel = "SIZE", defaultValue = "1G", converter = ByteSize.class,
            description = "start: the test VM's writes may take this much (default: ${DEFAULT-VALUE}).")
    long scratchMax;

    @Option(names = "--preserve-max", paramLabel = "SIZE", defaultValue = "4G", converter = ByteSize.class,
            description = "start: the regions kept for the view may take this much (default: ${DEFAULT-VALUE}).")
    long preserveMax;

    @CommandLine.Mixin
    TargetAdminCall gateway;

    @CommandLine.Mixin
    AdminTokenOption token;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        long cg = group.checked();
        if (scratchMax < 0 || preserveMax < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--scratch-max and --preserve-max are bytes");
        }
        String query = action == Action.start ? "start?cg=" + cg + "&nbd=" + nbd + "&scratchMax=" + scratchMax
                + "&preserveMax=" + preserveMax : "stop?cg=" + cg;
        return gateway.post(spec, token, "rehearse " + action, "/rehearse/" + query, ANSWER_TIMEOUT, "");
    }
}
