package io.datamover.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code datamover resync --cg N --discard replica}: resolves a pair refused as DIVERGED by naming the side whose
 * data is discarded; asks the source gateway's admin port, which answers once the new generation is durable.
 */
@Command(name = "resync", header = "Resolve a DIVERGED consistency group: discard one side's data and resync.",
        mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A pair whose two sides' generation histories disagree (the target holds writes the source"
                + " never held, or the source's data directory was restored from an older copy) is refused as"
                + " DIVERGED: nothing is shipped or overwritten, and `datamover status` shows DIVERGED on both"
                + " gateways. This command names the side whose data is discarded.",
                "",
                "--discard replica: the source gateway starts a new generation, durably, before it answers. At its"
                        + " next connection the target gives up what its replicas hold after the two histories'"
                        + " common point (the replica disks are INCONSISTENT until the resync ends) and takes the"
                        + " source's history, and the tap resyncs the whole disks. Safe to run again.",
                "",
                "--discard source is not supported: keeping the replica's data is a failover at the recovery site"
                        + " (datamover failover), then reverse replication (not built yet); see docs/operations.md.",
                "",
                "A replica set refused as UNRELATED (copied from another pair or history) is not taken over by a"
                        + " discard: move it aside on the target, which then creates a new one."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the new generation is stored (or was already)",
                "1:refused (the group is not DIVERGED, unknown, or --discard source; no or a wrong admin token), or"
                        + " the admin port could not be reached",
                "2:wrong options"})
public final class ResyncCommand implements Callable<Integer> {
    enum Side { replica, source }

    @CommandLine.Mixin
    ConsistencyGroupOption group;

    @Option(names = "--discard", required = true, paramLabel = "replica|source",
            description = "The side whose data is discarded: ${COMPLETION-CANDIDATES}.")
    Side discard;

    @CommandLine.Mixin
    SourceAdminCall call;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        long cg = group.checked();
        return call.post(spec, "/resync?cg=" + cg + "&discard=" + discard);
    }
}
