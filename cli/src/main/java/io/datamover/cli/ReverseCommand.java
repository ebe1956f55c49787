package io.datamover.cli;

import io.datamover.applier.OriginalSiteReplicas;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.RollbackRefusedException;
import io.datamover.disk.DirectoryLock;
import io.datamover.gateway.source.ReverseSourceGroup;
import io.datamover.gateway.source.UnshippedWrites;
import io.datamover.gateway.target.TargetGateway;
import io.datamover.protocol.ResyncRegions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code datamover reverse --cg N}: prepares reverse replication after a failover, on the stopped daemons' directories
 * of one site (docs/operations.md, "Reverse replication"): at the recovery site, the source gateway's new directory
 * continues the promoted history; at the original site, the original disks become a replica set that knows which
 * regions it wrote after the promoted seq.
 */
@Command(name = "reverse", header = "Prepare reverse replication after a failover (run at each site).",
        mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
        description = {"At the recovery site (--promoted-replicas): seeds the recovery site's source gateway data "
                + "directory so that it continues the promoted replicas' history after their seq, and owes its tap "
                + "the resync the original site reports. Then start that source gateway, and the recovery tap with "
                + "--gateway pointing at it.",
                "",
                "At the original site (--original-source-data): the original disks become the replica set of a "
                        + "target gateway (hard links in its --replica-dir: nothing is copied). The regions the "
                        + "original site wrote after the promoted seq (its tap's dirty bitmaps, its source journal "
                        + "past that seq) are recorded, so the target gateway asks for them when the recovery site "
                        + "connects: they are set back to the promoted image, along with the recovery site's writes. "
                        + "Then start the target gateway there.",
                "",
                "Refused while the daemons whose directories it reads run. Each step is logged and durable; after a "
                        + "crash run it again with the same options.",
                "",
                "At the recovery site through its running daemons (--target-admin, --reverse-source-admin, the "
                        + "operator's --admin-token-file): the target gateway tells the promoted group, the source "
                        + "gateway seeds it and opens it at once (no restart). Run it once the original site's target "
                        + "gateway holds the prepared replica set: the opened group connects to it."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:prepared (or was already)", "1:refused; nothing changed", "2:wrong options",
                "3:a step failed (an I/O error): running it again continues it"})
public final class ReverseCommand implements Callable<Integer> {
    @CommandLine.Mixin
    ConsistencyGroupOption group;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Site site;

    static final class Site {
        @ArgGroup(exclusive = false)
        Recovery recovery;
        @ArgGroup(exclusive = false)
        Original original;
        @ArgGroup(exclusive = false)
        RecoveryOnline online;
    }

    static final class RecoveryOnline {
        @Option(names = "--reverse-source-admin", required = true, converter = HostPort.Converter.class,
                paramLabel = "HOST:PORT", description = "Recovery site, through the running daemons: the source "
                        + "gateway's admin address; it seeds the group and opens it.")
        HostPort sourceAdmin;
        @Option(names = "--target-admin", required = true, converter = HostPort.Converter.class,
                paramLabel = "HOST:PORT", description = "Recovery site, through the running daemons: the target "
                        + "gateway's admin address (it holds the promoted replicas).")
        HostPort targetAdmin;
    }

    @CommandLine.Mixin
    AdminTokenOption token;

    static final class Recovery {
        @Option(names = "--promoted-replicas", required = true, paramLabel = "DIR",
                description = "Recovery site: the target gateway's --replica-dir holding the promoted group.")
        Path replicaDir;
        @Option(names = "--source-data", required = true, paramLabel = "DIR",
                description = "Recovery site: the new source gateway's --data-dir.")
        Path sourceData;
    }

    static final class Original {
        @Option(names = "--original-source-data", required = true, paramLabel = "DIR",
                description = "Original site: the stopped source gateway's --data-dir.")
        Path sourceData;
        @Option(names = "--tap-state", required = true, paramLabel = "DIR",
                description = "Original site: the stopped tap's --state-dir.")
        Path tapState;
        @Option(names = "--export", required = true, paramLabel = "NAME=PATH",
                description = "Original site: each disk's image, as the tap exported it.")
        Map<String, Path> images = new LinkedHashMap<>();
        @Option(names = "--promoted-seq", required = true, paramLabel = "SEQ",
                description = "The seq the recovery site promoted (its failover report).")
        long promotedSeq;
        @Option(names = "--replica-dir", required = true, paramLabel = "DIR",
                description = "Original site: the target gateway's --replica-dir (on the disks' file system).")
        Path replicaDir;
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        long cg = group.checked();
        if (site.online != null) {
            return online(site.online, cg);
        }
        return OfflineOperation.run(spec, () -> site.recovery != null ? recovery(site.recovery, cg)
                : original(site.original, cg));
    }

    /** The recovery site's step through its running target and source gateways. */
    private int online(RecoveryOnline r, long cg) throws InterruptedException {
        MigrationSites sites = MigrationSites.over(Map.of(MigrationSites.Site.TARGET, r.targetAdmin,
                MigrationSites.Site.REVERSE_SOURCE, r.sourceAdmin), token.header());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            MigrationSites.Reply seeded = RecoverySiteReverse.seed(sites, cg);
            if (seeded.ok()) {
                out.print(seeded.body());
                out.flush();
                return 0;
            }
            err.print("datamover reverse: refused: " + seeded.body());
            err.flush();
            return seeded.status() >= 500 ? AdminCall.EXIT_FAILED : AdminCall.EXIT_REFUSED;
        } catch (IOException e) {
            err.println("datamover reverse: a daemon did not answer: " + e.getMessage() + " (run it again once it "
                    + "answers)");
            err.flush();
            return AdminCall.EXIT_FAILED;
        }
    }

    private String recovery(Recovery r, long cg) throws IOException {
        Path set = TargetGateway.replicaSetDirectory(r.replicaDir, (int) cg);
        var stamp = ReplicaSet.readStamp(set).orElseThrow(() -> new RollbackRefusedException(set
                + " holds no replica set"));
        if (!stamp.promoted()) {
            throw new RollbackRefusedException("consistency group " + Long.toString(cg) + " is not PROMOTED at "
                    + set + " (" + stamp.states() + "): run datamover failover first");
        }
        return ReverseSourceGroup.seed(r.sourceData, stamp.pairId(), (int) cg, stamp.disks(), stamp.generations(),
                stamp.appliedSeq());
    }

    private String original(Original o, long cg) throws IOException {
        try (DirectoryLock tap = DirectoryLock.acquire(o.tapState, "datamover reverse")) {
            UnshippedWrites journal = UnshippedWrites.read(o.sourceData, (int) cg, o.promotedSeq);
            List<ResyncRegions.Range> written = journal.writtenAfter() == null ? null
                    : new ArrayList<>(journal.writtenAfter());
            if (written != null) {
                TapDirtyRegions.addTo(written, o.tapState, journal.disks());
            }
            return OriginalSiteReplicas.prepare(TargetGateway.replicaSetDirectory(o.replicaDir, (int) cg),
                    new OriginalSiteReplicas.Original(journal.pairId(), (int) cg, journal.disks(), o.images,
                            journal.history(), journal.journalSeq(), written), o.promotedSeq);
        }
    }
}
