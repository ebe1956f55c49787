package io.datamover.bench.rpo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code bin/bench rpo}: the RPO harness. Sweeps batch interval, batch size, compression and link bandwidth over
 * an emulated WAN link, and writes {@code report.md} and SVG plots to {@code --results} (the report also goes to
 * stdout). Exit 2 on bad options, 1 when a run failed or a replica differed.
 *
 * <pre>bin/bench rpo                      # the quick sweep, under 3 minutes on 2 cores
 * bin/bench rpo --full                    # the longer grid
 * bin/bench rpo --link-mbit 100 --latency-ms 20 --outage 5+2,10+1:stall</pre>
 */
public final class RpoBench {
    private RpoBench() {}

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help")) {
            System.out.println(RpoOptions.USAGE);
            return;
        }
        RpoOptions options;
        try {
            options = RpoOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("rpo: " + e.getMessage());
            System.exit(2);
            return;
        }
        String report = runAndWrite(options, "bin/bench rpo " + String.join(" ", args));
        System.out.println();
        System.out.print(report);
        System.out.println("\nresults: " + options.results().toAbsolutePath());
        if (report.contains("## Problems") || report.contains("DIFFERS")) {
            System.exit(1);
        }
    }

    /** Runs the sweep, writes {@code report.md} and the plots to the options' results directory; returns the report. */
    public static String runAndWrite(RpoOptions options, String command) throws Exception {
        Files.createDirectories(options.dir());
        MachineFacts machine = MachineFacts.probe(options.dir());
        return write(options, machine, RpoHarness.run(options), command);
    }

    /** Writes {@code report.md} and the plots of {@code runs} to the options' results directory; returns the report. */
    static String write(RpoOptions options, MachineFacts machine, List<RunResult> runs, String command)
            throws Exception {
        Path results = Files.createDirectories(options.results());
        String report = RpoReport.markdown(options, machine, runs, command.trim());
        Files.writeString(results.resolve("report.md"), report);
        RpoPlots.write(runs, results);
        return report;
    }
}
