package io.datamover.cli;

import io.datamover.applier.RollbackRefusedException;
import io.datamover.disk.DirectoryInUseException;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * An operator's operation on stopped daemons' directories ({@code reverse}, {@code split-brain resolve}): prints its
 * report (exit 0), its refusal with nothing changed (1), or the I/O error that stopped it, which a rerun continues (3).
 */
final class OfflineOperation {
    /** The operation; returns its report. */
    @FunctionalInterface
    interface Run {
        String run() throws IOException;
    }

    private OfflineOperation() {}

    static int run(CommandLine.Model.CommandSpec spec, Run operation) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String name = "datamover " + spec.name();
        try {
            out.println(operation.run());
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
