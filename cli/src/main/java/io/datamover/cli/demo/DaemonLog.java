package io.datamover.cli.demo;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Where the demo's daemons log while its live table runs: to a file, so their lines do not break the table. The
 * command's logger (slf4j-simple) writes to whatever {@link System#err} is at each line, so this swaps it for the file
 * and puts it back on close.
 */
final class DaemonLog implements AutoCloseable {
    private final PrintStream terminal;
    private final PrintStream file;

    private DaemonLog(PrintStream terminal, PrintStream file) {
        this.terminal = terminal;
        this.file = file;
    }

    /** From now until {@link #close()}, log lines (and anything else on stderr) go to {@code path}. */
    static DaemonLog redirectTo(Path path) throws IOException {
        PrintStream file = new PrintStream(new FileOutputStream(path.toFile(), true), true, StandardCharsets.UTF_8);
        DaemonLog log = new DaemonLog(System.err, file);
        System.setErr(file);
        return log;
    }

    /** Leaves the log lines on the terminal's stderr ({@code --verbose}). */
    static DaemonLog onTerminal() {
        return new DaemonLog(System.err, null);
    }

    @Override
    public void close() {
        if (file != null) {
            System.setErr(terminal);
            file.close();
        }
    }
}
