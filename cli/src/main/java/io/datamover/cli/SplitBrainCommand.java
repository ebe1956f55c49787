package io.datamover.cli;

import io.datamover.applier.PromotedSiteDiscard;
import io.datamover.applier.ReplicaMetadata;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.RollbackRefusedException;
import io.datamover.disk.DirectoryInUseException;
import io.datamover.disk.DirectoryLock;
import io.datamover.gateway.target.TargetGateway;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code datamover split-brain resolve --cg N --discard original|recovery}: after a forced failover while the original
 * site kept writing (docs/operations.md, "Split brain"), the operator names the side whose writes since the split are
 * discarded. {@code recovery}: run at the recovery site on the stopped target gateway's and recovery tap's
 * directories ({@link PromotedSiteDiscard}). {@code original} is reverse replication, which already sets back what the
 * original site wrote past the promoted seq: the command says so and changes nothing.
 */
@Command(name = "split-brain", header = "Resolve a split brain: name the site whose writes since the split are "
        + "discarded.", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
        description = {"resolve --discard recovery: run at the recovery site, its target gateway and the tap serving "
                + "the promoted disks stopped. The promoted disks become replicas of the original site again: the "
                + "regions the recovery tap wrote since the promote (its dirty bitmaps) are recorded, the disks are "
                + "stamped UP_TO_DATE at the promoted seq and the failover record is deleted. Then start the target "
                + "gateway and run datamover resync --cg N --discard replica at the original site's source gateway: "
                + "the recovery site's regions are resynced from the original disks and the original site's writes "
                + "since the split are shipped from its journal; nothing else travels.",
                "",
                "resolve --discard original: the recovery site's data survives: that is reverse replication (run "
                        + "datamover reverse at both sites); this command changes nothing.",
                "",
                "Each step is logged and durable; after a crash run it again with the same options."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:resolved (or was already)", "1:refused; nothing changed", "2:wrong options (or --discard "
                + "original: use datamover reverse)", "3:a step failed (an I/O error): running it again continues it"})
public final class SplitBrainCommand implements Callable<Integer> {
    static final int EXIT_USE_REVERSE = 2;

    /** What to do. */
    enum Action { resolve }

    /** The side whose writes since the split are discarded. */
    enum Side { original, recovery }

    @Parameters(index = "0", paramLabel = "resolve", description = "resolve the split brain.")
    Action action;

    @CommandLine.Mixin
    ConsistencyGroupOption group;

    @Option(names = "--discard", required = true, paramLabel = "original|recovery",
            description = "The site whose writes since the split are discarded.")
    Side discard;

    @Option(names = "--promoted-replicas", paramLabel = "DIR",
            description = "--discard recovery: the recovery site's target gateway --replica-dir (the promoted group).")
    Path replicaDir;

    @Option(names = "--tap-state", paramLabel = "DIR",
            description = "--discard recovery: the --state-dir of the tap that served the promoted disks.")
    Path tapState;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        long cg = group.checked();
        if (discard == Side.original) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("datamover split-brain: --discard original keeps the recovery site's data: that is reverse "
                    + "replication, which sets back what the original site wrote past the promoted seq. Run datamover "
                    + "reverse --cg " + cg + " at both sites (docs/operations.md, \"Reverse replication\"). Nothing "
                    + "changed.");
            err.flush();
            return EXIT_USE_REVERSE;
        }
        if (replicaDir == null || tapState == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--discard recovery needs --promoted-replicas and --tap-state");
        }
        return OfflineOperation.run(spec, () -> discardRecovery((int) cg));
    }

    /** Under the target gateway's replica directory lock and the recovery tap's: both must be stopped. */
    private String discardRecovery(int cg) throws IOException {
        Path set = TargetGateway.replicaSetDirectory(replicaDir, cg);
        ReplicaMetadata stamp = ReplicaSet.readStamp(set).orElseThrow(() -> new RollbackRefusedException(set
                + " holds no replica set"));
        try (DirectoryLock gateway = lock(replicaDir, "the target gateway");
                DirectoryLock tap = lock(tapState, "the tap serving the promoted disks")) {
            return PromotedSiteDiscard.discard(set, TapDirtyRegions.of(tapState, stamp.disks()));
        }
    }

    private static DirectoryLock lock(Path directory, String whoMustStop) throws IOException {
        try {
            return DirectoryLock.acquire(directory, "datamover split-brain resolve");
        } catch (DirectoryInUseException e) {
            throw new RollbackRefusedException(e.getMessage() + " (stop " + whoMustStop + " first)");
        }
    }
}
