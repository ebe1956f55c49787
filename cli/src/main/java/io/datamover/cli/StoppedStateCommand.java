package io.datamover.cli;

import io.datamover.applier.RollbackRefusedException;
import io.datamover.disk.DirectoryInUseException;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * How the commands that change a stopped daemon's directories ({@code reverse}, {@code failback}) end: what was done on
 * stdout and 0; a refusal (nothing changed) on stderr and {@link FailoverCommand#EXIT_REFUSED}; an I/O error, after
 * which running the command again continues it, on stderr and {@link FailoverCommand#EXIT_FAILED}.
 */
final class StoppedStateCommand {
    /** One run of the command: what it did, for the operator. */
    @FunctionalInterface
    interface Run {
        String call() throws IOException;
    }

    private StoppedStateCommand() {}

    static int execute(CommandLine.Model.CommandSpec spec, Run run) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String name = "datamover " + spec.name();
        try {
            out.println(run.call());
            out.flush();
            return 0;
        } catch (RollbackRefusedException | IllegalStateException | DirectoryInUseException e) {
            err.println(name + ": refused: " + e.getMessage());
            err.flush();
            return FailoverCommand.EXIT_REFUSED;
        } catch (IOException e) {
            err.println(name + ": stopped by an I/O error (running it again continues it): " + e);
            err.flush();
            return FailoverCommand.EXIT_FAILED;
        }
    }
}
