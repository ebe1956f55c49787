package io.datamover.bench.outage;

import java.nio.file.Files;

/**
 * {@code bin/bench tap-outage}: whether a gateway outage under full write load keeps the tap's heap, direct memory
 * and window within their configured bounds, as a markdown report on stdout (and in {@code --out}). Exit 2 on bad
 * options; a run out of bounds is reported and exits 1.
 *
 * <pre>bin/bench tap-outage --minutes 10 --dir /var/tmp/dm-tap-outage --size 4G --window 64M</pre>
 */
public final class TapOutageBench {
    private TapOutageBench() {}

    public static void main(String[] args) throws Exception {
        OutageOptions options;
        try {
            options = OutageOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("tap-outage: " + e.getMessage());
            System.exit(2);
            return;
        }
        OutageResult result = OutageRun.run(options);
        String report = OutageReport.markdown(result);
        System.out.println();
        System.out.print(report);
        if (options.out().isPresent()) {
            Files.writeString(options.out().get(), report);
        }
        System.exit(OutageReport.problems(result).isEmpty() ? 0 : 1);
    }
}
