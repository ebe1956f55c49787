package io.datamover.cli;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code datamover migrate --cg N}: a planned migration of a consistency group to the recovery site, RPO 0. */
@Command(name = "migrate", header = "Move a consistency group to the recovery site on purpose, losing nothing.",
        mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
        description = {"Four phases, each printed and shown in the daemons' status:",
                "1. check: the tap, the source gateway and the target gateway answer (the target and the tap accept "
                        + "the operator's token), the two sites are in the same generation, the replicas are "
                        + "UP_TO_DATE and lag by at most --max-lag; with --reverse-source-admin and "
                        + "--reverse-target-admin, those gateways have room for the reverse direction; otherwise "
                        + "refused, naming the check, nothing changed.",
                "2. quiesce: the tap holds new writes (they wait: the guest sees latency, never an error; after "
                        + "--max-pause they go on by themselves) and lets the running ones complete.",
                "3. drain: until the replicas applied the tap's last seq (RPO 0). Past --drain-timeout the writes "
                        + "are released, nothing changed.",
                "4. hand-off: the tap refuses writes from now on, durably, saying where the disks live (--now-at); "
                        + "then the target gateway promotes the replicas in a new generation (a failover with "
                        + "nothing lost). It prints the guest-visible pause and the tap to start at the recovery "
                        + "site.",
                "",
                "Interrupted inside the hand-off (a crash, a daemon that did not answer): run it again; it finds the "
                        + "tap moved and finishes the promote. Replication back to the original site is "
                        + "`datamover reverse` at both sites (docs/operations.md)."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:migrated (or finished a migration interrupted in its hand-off)",
                "1:refused (a check failed, the hand-off was refused); nothing changed",
                "2:wrong options",
                "3:stopped inside the hand-off or a daemon did not answer: run it again",
                "4:the drain did not reach RPO 0 in --drain-timeout: the writes are released, nothing changed"})
public final class MigrateCommand implements Callable<Integer> {
    @CommandLine.Mixin
    ConsistencyGroupOption group;

    @Option(names = "--tap-admin", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:" + AdminOption.TAP_PORT,
            description = "The original site's tap's admin address (default: ${DEFAULT-VALUE}).")
    HostPort tapAdmin;

    @Option(names = "--source-admin", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:" + AdminOption.SOURCE_GATEWAY_PORT,
            description = "The original site's source gateway's admin address (default: ${DEFAULT-VALUE}).")
    HostPort sourceAdmin;

    @Option(names = "--target-admin", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:" + AdminOption.TARGET_GATEWAY_PORT,
            description = "The recovery site's target gateway's admin address (default: ${DEFAULT-VALUE}).")
    HostPort targetAdmin;

    @Option(names = "--reverse-source-admin", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            description = "The recovery site's source gateway's admin address: phase 1 checks it has room to be the "
                    + "group's source in the reverse direction (with --reverse-target-admin).")
    HostPort reverseSourceAdmin;

    @Option(names = "--reverse-target-admin", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            description = "The original site's target gateway's admin address: phase 1 checks it has room for the "
                    + "group's replica set in the reverse direction.")
    HostPort reverseTargetAdmin;

    @CommandLine.Mixin
    QuiesceOptions quiesce;

    @Option(names = "--now-at", paramLabel = "TEXT",
            description = "Where the disks live after the hand-off, as the original tap's refusals say (default: "
                    + "the recovery site, with the target gateway's admin address).")
    String nowAt;

    @CommandLine.Mixin
    AdminTokenOption token;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        long cg = group.checked();
        Migration.Options options = quiesce.options(spec, cg,
                nowAt != null ? nowAt : "the recovery site (target gateway " + targetAdmin + ")");
        Map<MigrationSites.Site, HostPort> addresses = new EnumMap<>(Map.of(MigrationSites.Site.TAP, tapAdmin,
                MigrationSites.Site.SOURCE, sourceAdmin, MigrationSites.Site.TARGET, targetAdmin));
        if (reverseSourceAdmin != null) {
            addresses.put(MigrationSites.Site.REVERSE_SOURCE, reverseSourceAdmin);
        }
        if (reverseTargetAdmin != null) {
            addresses.put(MigrationSites.Site.REVERSE_TARGET, reverseTargetAdmin);
        }
        MigrationSites sites = MigrationSites.over(addresses, token.header());
        return new Migration(sites, options, System::nanoTime, spec.commandLine().getOut(),
                spec.commandLine().getErr()).run().exitCode;
    }
}
