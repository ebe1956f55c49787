package io.datamover.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
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
                "Each step is logged and durable; after a crash run it again with the same options.",
                "",
                "Through the running daemons (--tap-admin, --source-admin at the recovery site, --target-admin at the "
                        + "original site, the operator's --admin-token-file): the quiesce and drain of a planned "
                        + "migration with the roles swapped: checks, holds the recovery tap's new writes, waits until "
                        + "the original site applied its last seq (RPO 0; past --drain-timeout the writes are "
                        + "released, exit 4), then the recovery tap refuses writes for good, and it prints the seq "
                        + "for the steps above on the stopped directories."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:failed back (or was already), or quiesced and drained through the running daemons",
                "1:refused; nothing changed", "2:wrong options",
                "3:a step failed (an I/O error), or a daemon did not answer in the hand-off: running it again continues "
                        + "it", "4:the drain did not reach RPO 0 in --drain-timeout: the writes are released"})
public final class FailbackCommand implements Callable<Integer> {
    @CommandLine.Mixin
    ConsistencyGroupOption group;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Site site;

    @Option(names = "--tap-admin", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            description = "Through the running daemons: the recovery site's tap's admin address (its writes are held, "
                    + "drained to the original site, then refused).")
    HostPort tapAdmin;

    @Option(names = "--source-admin", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            description = "Through the running daemons: the recovery site's source gateway's admin address.")
    HostPort sourceAdmin;

    @Option(names = "--target-admin", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            description = "Through the running daemons: the original site's target gateway's admin address.")
    HostPort targetAdmin;

    @CommandLine.Mixin
    QuiesceOptions quiesce;

    @CommandLine.Mixin
    AdminTokenOption token;

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
    public Integer call() throws InterruptedException {
        int cg = (int) group.checked();
        boolean online = tapAdmin != null || sourceAdmin != null || targetAdmin != null;
        if (online == (site != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either one site's stopped directories "
                    + "or the running daemons' --tap-admin, --source-admin and --target-admin");
        }
        if (online) {
            return quiesceAndDrain(cg);
        }
        return OfflineOperation.run(spec, () -> site.recovery != null
                ? RecoverySiteFailback.run(cg, new RecoverySiteFailback.Directories(site.recovery.replicaDir,
                        site.recovery.sourceData, site.recovery.tapState, site.recovery.nowAt), InstantSource.system())
                : OriginalSiteFailback.run(cg, site.original.seq, new OriginalSiteFailback.Directories(
                        site.original.replicaDir, site.original.sourceData, site.original.tapState),
                        InstantSource.system()));
    }

    /**
     * The recovery site's quiesce and drain through the running daemons, {@link Migration}'s phases with the roles
     * swapped (the recovery tap holds the writes, the original site's target gateway applies them to RPO 0, then the
     * tap refuses writes for good, durably); the failback's steps then run on the stopped directories.
     */
    private int quiesceAndDrain(int cg) throws InterruptedException {
        if (tapAdmin == null || sourceAdmin == null || targetAdmin == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "through the running daemons the failback "
                    + "needs --tap-admin, --source-admin and --target-admin");
        }
        PrintWriter out = spec.commandLine().getOut();
        MigrationSites sites = MigrationSites.over(Map.of(MigrationSites.Site.TAP, tapAdmin,
                MigrationSites.Site.SOURCE, sourceAdmin, MigrationSites.Site.TARGET, targetAdmin), token.header());
        Migration.Options options = quiesce.options(spec, cg, "the original site (target gateway " + targetAdmin
                + ")");
        return new Migration("failback", (seq, heldAt) -> drained(cg, seq, out), sites, options, System::nanoTime,
                out, spec.commandLine().getErr()).run().exitCode;
    }

    private static Migration.Outcome drained(int cg, long seq, PrintWriter out) {
        out.println("phase 4/4 hand-off: RPO 0 at seq " + seq + ": the original site's target gateway applied every "
                + "write, the recovery tap refuses writes from now on");
        out.println("next, at the recovery site: stop the VM, the recovery tap and its source gateway, then datamover "
                + "failback --cg " + cg + " --promoted-replicas DIR --reverse-source-data DIR --recovery-tap-state DIR"
                + "; at the original site, its target gateway stopped: datamover failback --cg " + cg + " --seq "
                + seq + " ... (docs/operations.md, \"Failback\")");
        out.flush();
        return Migration.Outcome.MIGRATED;
    }
}
