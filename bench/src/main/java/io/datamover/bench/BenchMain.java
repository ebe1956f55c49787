package io.datamover.bench;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the JMH benchmarks with the datamover JVM flags appended to every fork. Takes JMH's own
 * command-line options (e.g. a benchmark regex, {@code -f 1 -wi 2 -i 3}).
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws RunnerException, org.openjdk.jmh.runner.options.CommandLineOptionException {
        CommandLineOptions cli = new CommandLineOptions(args);
        new Runner(new OptionsBuilder().parent(cli).jvmArgsAppend(JvmFlags.load()).build()).run();
    }
}
