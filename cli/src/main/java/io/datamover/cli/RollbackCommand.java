package io.datamover.cli;

import io.datamover.applier.ConsistentImageRollback;
import io.datamover.applier.RollbackRefusedException;
import io.datamover.gateway.target.TargetGateway;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code datamover rollback}: gives a consistency group's replicas back their last consistent image. */
@Command(name = "rollback", header = "Restore a group's replicas to their last consistent image after an unfinished resync.",
        mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
        description = "While a resync runs, the replicas are INCONSISTENT and the target gateway keeps the image "
                + "they had before it in an undo log. When the resync cannot finish (the source site is lost), this "
                + "writes that image back (data and holes), records its seq and the disks UP_TO_DATE in the replica "
                + "stamp and deletes the log, so the replicas can be failed over to. Run it with the target gateway "
                + "stopped: while a gateway has the group open, the rollback is refused (a lock file in the group's "
                + "directory). Afterwards the group cannot continue from its source where it was: replicating again "
                + "takes a new sync.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:rolled back",
            "2:bad options, nothing to roll back (consistent already, or an initial sync with no consistent "
                    + "image), or the group is in use by a running target gateway",
            "3:an I/O error stopped the rollback (running it again is safe)"})
public final class RollbackCommand implements Callable<Integer> {
    static final int EXIT_REFUSED = 2;
    static final int EXIT_IO_ERROR = 3;

    @Option(names = "--replica-dir", required = true, paramLabel = "DIR",
            description = "The target gateway's --replica-dir.")
    Path replicaDir;

    @Option(names = "--cg", required = true, paramLabel = "ID", description = "The consistency group id.")
    String cg;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        int cgId;
        try {
            cgId = Integer.parseUnsignedInt(cg);
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--cg must be a consistency group id (0 to 4294967295), not '" + cg + "'");
        }
        Path directory = TargetGateway.replicaSetDirectory(replicaDir, cgId);
        PrintWriter err = spec.commandLine().getErr();
        ConsistentImageRollback.Result result;
        try {
            result = ConsistentImageRollback.rollback(directory);
        } catch (RollbackRefusedException e) {
            err.println("rollback: refused: " + e.getMessage());
            err.flush();
            return EXIT_REFUSED;
        } catch (IOException e) {
            err.println("rollback: stopped by an I/O error (running it again is safe): " + e.getMessage());
            err.flush();
            return EXIT_IO_ERROR;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("rolled back consistency group " + cg + " in " + directory + " from applied seq "
                + result.appliedSeqBefore() + " to its consistent image at seq " + result.consistentSeq() + " ("
                + result.regionsRestored() + " regions, " + result.bytesRestored() + " bytes of data written back)");
        out.flush();
        return 0;
    }
}
