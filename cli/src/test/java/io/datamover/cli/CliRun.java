package io.datamover.cli;

import io.datamover.protocol.BlockWrite;
import io.netty.buffer.Unpooled;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import picocli.CommandLine;

/** Runs {@code datamover} commands in this JVM, keeping what they print; for the commands' tests. */
final class CliRun {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    /** {@code datamover args...}; its exit status. */
    int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** A 4 KiB write of disk 1 filled with {@code value}. */
    static BlockWrite block(long seq, long offset, int value) {
        byte[] bytes = new byte[4096];
        Arrays.fill(bytes, (byte) value);
        return BlockWrite.data(seq, 1, offset, Unpooled.wrappedBuffer(bytes));
    }
}
