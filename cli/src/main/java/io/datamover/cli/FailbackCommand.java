package io.datamover.cli;

import java.nio.file.Path;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code datamover failback --cg N}: hands the disks back to the original site once reverse replication is at RPO 0,
 * on the stopped daemons' directories of one site, recovery site first (docs/operations.md, "Failback"): the recovery
 * site's tap is retired and its promoted replicas become a replica set again; the original site's disks stop being
 * replicas and its new source gateway continues the history both sites hold, so forward replication resumes with
 * nothing shipped.
 */
@Command(name = "failback", header = "Hand the disks back to the original site after reverse replication "
        + "(run at each site, daemons stopped, the recovery site first).",
        mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
        description = {"At the recovery site (--promoted-replicas), the VM stopped, the recovery tap and the source "
                + "gateway stopped once the original site has applied everything: refused unless at RPO 0 (the tap's "
                + "bitmaps clean, every seq of the source gateway acknowledged by the original site). Retires the "
                + "recovery tap's state directory (a tap started on it refuses, saying where the disks live) and makes "
                + "the promoted replicas a replica set again, UP_TO_DATE at that seq. Prints the seq.",
                "",
                "At the original site (--replica-dir), its target gateway and tap stopped: refused unless the replicas "
                        + "hold exactly that seq. Seeds a new source gateway directory that continues the shared "
                        + "history after it, clears the tap's bitmaps and retires the replica set (the disks stay). "
                        + "Then start the source gateway, the tap, and the recovery site's target gateway.",
                "",
                "Each step is logged and durable; after a crash run it again with the same options."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:failed back (or was already)", "1:refused; nothing changed", "2:wrong options",
                "3:a step failed (an I/O error): running it again continues it"})
public final class FailbackCommand implements Callable<Integer> {
    @CommandLine.Mixin
    ConsistencyGroupOption group;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Site site;

    static final class Site {
        @ArgGroup(exclusive = false)
        Recovery recovery;
        @ArgGroup(exclusive = false)
        Original original;
    }

    static final class Recovery {
        @Option(names = "--promoted-replicas", required = true, paramLabel = "DIR",
                description = "Recovery site: the target gateway's --replica-dir holding the promoted group.")
        Path replicaDir;
        @Option(names = "--reverse-source-data", required = true, paramLabel = "DIR",
                description = "Recovery site: the stopped reverse source gateway's --data-dir.")
        Path sourceData;
        @Option(names = "--recovery-tap-state", required = true, paramLabel = "DIR",
                description = "Recovery site: the stopped recovery tap's --state-dir (retired by the failback).")
        Path tapState;
        @Option(names = "--now-at", paramLabel = "TEXT", defaultValue = "the original site",
                description = "Where the disks live after the failback, for the retired tap's refusal "
                        + "(default: ${DEFAULT-VALUE}).")
        String nowAt;
    }

    static final class Original {
        @Option(names = "--seq", required = true, paramLabel = "SEQ",
                description = "Original site: the seq the recovery site's failback printed.")
        long seq;
        @Option(names = "--replica-dir", required = true, paramLabel = "DIR",
                description = "Original site: the stopped target gateway's --replica-dir (the disks, linked in by "
                        + "datamover reverse).")
        Path replicaDir;
        @Option(names = "--new-source-data", required = true, paramLabel = "DIR",
                description = "Original site: a new --data-dir for its source gateway.")
        Path sourceData;
        @Option(names = "--tap-state", required = true, paramLabel = "DIR",
                description = "Original site: the stopped tap's --state-dir.")
        Path tapState;
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        int cg = (int) group.checked();
        return OfflineOperation.run(spec, () -> site.recovery != null
                ? RecoverySiteFailback.run(cg, new RecoverySiteFailback.Directories(site.recovery.replicaDir,
                        site.recovery.sourceData, site.recovery.tapState, site.recovery.nowAt), InstantSource.system())
                : OriginalSiteFailback.run(cg, site.original.seq, new OriginalSiteFailback.Directories(
                        site.original.replicaDir, site.original.sourceData, site.original.tapState),
                        InstantSource.system()));
    }
}
