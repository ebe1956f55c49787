package io.datamover.cli;

import io.datamover.applier.RollbackRefusedException;
import io.datamover.gateway.target.Failover;
import io.datamover.gateway.target.TargetGateway;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code datamover failover --cg N [--force]}: at the recovery site, makes a consistency group's replicas the VM's
 * disks. Through the running target gateway's admin port, or with {@code --replica-dir} on the stopped gateway's
 * directories.
 */
@Command(name = "failover", header = "Fail over a consistency group: promote its replicas at the recovery site.",
        mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
        description = {"Run at the recovery site. The target gateway stops replicating into the group and applies "
                + "what it has spooled; the replicas go back to their last consistent image (an unfinished resync "
                + "is rolled back through the undo log) and become PROMOTED in a new generation, recorded durably "
                + "before anything writes them; the spool is dropped. It prints what was lost: the last seq the "
                + "source was known to hold against the seq the replicas hold, and the age of their newest write.",
                "",
                "Without --force it is refused while the source gateway is connected (the source site answers and "
                        + "is primary): use a planned migration then (datamover migrate). With --force it "
                        + "fails over whatever the source does; a source site that comes back is refused (its "
                        + "history and the promoted one diverge).",
                "",
                "Then serve the promoted disks with a tap on the replica images (the report prints the command); "
                        + "its dirty bitmap records every write from the promote on.",
                "",
                "Each step is logged and durable: after a crash, run it again with the same options; it continues "
                        + "where it stopped. A group failed over already answers with its report again.",
                "",
                "--replica-dir/--data-dir: the target gateway is stopped; this process does the failover on its "
                        + "directories. It cannot see the source then, so it needs --force; what the source held "
                        + "is unknown."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:failed over (or was already)",
                "1:refused (the source is connected, no consistent image, unknown group) or the admin port could "
                        + "not be reached; nothing changed",
                "2:wrong options",
                "3:a step failed (an I/O error): running it again continues it"})
public final class FailoverCommand implements Callable<Integer> {
    static final int EXIT_REFUSED = AdminCall.EXIT_REFUSED;
    static final int EXIT_FAILED = AdminCall.EXIT_FAILED;
    /** The running gateway applies its spool first (up to a minute), then promotes. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofMinutes(3);

    @CommandLine.Mixin
    ConsistencyGroupOption group;

    @Option(names = "--force", description = "Fail over even while the source gateway is connected.")
    boolean force;

    @CommandLine.Mixin
    TargetAdminCall gateway;

    @Option(names = "--replica-dir", paramLabel = "DIR",
            description = "The stopped target gateway's --replica-dir: fail over on its directories (needs --force "
                    + "and --data-dir).")
    Path replicaDir;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "The stopped target gateway's --data-dir.")
    Path dataDir;

    @CommandLine.Mixin
    AdminTokenOption token;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        long cg = group.checked();
        if ((replicaDir == null) != (dataDir == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--replica-dir and --data-dir go together (a stopped target gateway's directories)");
        }
        return replicaDir != null ? offline(cg) : throughGateway(cg);
    }

    private int throughGateway(long cg) throws InterruptedException {
        return gateway.post(spec, token, "failover", "/failover?cg=" + cg + "&force=" + force, ANSWER_TIMEOUT,
                "; when it is stopped, fail over on its directories: --replica-dir DIR --data-dir DIR --force");
    }

    private int offline(long cg) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!force) {
            err.println("datamover failover: refused: on a stopped target gateway's directories the source site "
                    + "cannot be seen, so whether it still answers and is primary is unknown: add --force if it is "
                    + "lost, or run it through the running target gateway (--admin)");
            err.flush();
            return EXIT_REFUSED;
        }
        int cgId = (int) cg;
        String dirName = TargetGateway.replicaSetDirectory(Path.of(""), cgId).toString();
        try {
            Failover.Report report = Failover.run(cgId, TargetGateway.replicaSetDirectory(replicaDir, cgId),
                    dataDir.resolve(dirName).resolve("spool"), true, Failover.SourceKnowledge.UNKNOWN,
                    InstantSource.system());
            out.print(report.describe());
            out.flush();
            return 0;
        } catch (RollbackRefusedException e) {
            err.println("datamover failover: refused: " + e.getMessage());
            err.flush();
            return EXIT_REFUSED;
        } catch (IOException e) {
            err.println("datamover failover: stopped by an I/O error (running it again continues it): "
                    + e.getMessage());
            err.flush();
            return EXIT_FAILED;
        }
    }
}
