package io.datamover.bench;

import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the JMH benchmarks with the datamover JVM flags appended to every fork. Takes JMH's own
 * command-line options (e.g. a benchmark regex, {@code -f 1 -wi 2 -i 3}). A {@code -Ddatamover.bench.dir=DIR}
 * given to this JVM (with {@code bin/bench}: {@code JDK_JAVA_OPTIONS=-Ddatamover.bench.dir=DIR}) reaches the forks.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws RunnerException, org.openjdk.jmh.runner.options.CommandLineOptionException {
        CommandLineOptions cli = new CommandLineOptions(args);
        List<String> flags = new ArrayList<>(List.of(JvmFlags.load()));
        String dir = System.getProperty(BenchDirectory.PROPERTY);
        if (dir != null) {
            flags.add("-D" + BenchDirectory.PROPERTY + "=" + dir);
        }
        new Runner(new OptionsBuilder().parent(cli).jvmArgsAppend(flags.toArray(String[]::new)).build()).run();
    }
}
