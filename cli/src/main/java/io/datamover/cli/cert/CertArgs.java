package io.datamover.cli.cert;

import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;

/** What the {@code cert} commands check and report alike. */
final class CertArgs {
    /** Exit status when a file could not be read or written. */
    static final int EXIT_IO_ERROR = 3;

    private CertArgs() {
    }

    static void requirePositive(CommandLine.Model.CommandSpec spec, String option, int value) {
        if (value <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " must be at least 1, not " + value);
        }
    }

    /** One line on stderr naming what failed; the I/O error exit status. */
    static int ioError(CommandLine.Model.CommandSpec spec, IOException e) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(spec.qualifiedName() + ": " + e);
        err.flush();
        return EXIT_IO_ERROR;
    }
}
