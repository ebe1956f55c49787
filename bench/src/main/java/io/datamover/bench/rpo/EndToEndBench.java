package io.datamover.bench.rpo;

import java.nio.file.Files;

/**
 * {@code bin/bench e2e}: the sustained end-to-end replication rate on this machine and the RPO distribution at
 * half that rate, as a markdown report on stdout (and in {@code --out}). Exit 2 on bad options; a missed RPO goal
 * is reported, not an error. With {@code --transports}, instead: the sustained rate and each daemon's CPU per MiB
 * over each transport in the same run ({@link TransportComparison}).
 *
 * <pre>bin/bench e2e --seconds 60 --dir /var/tmp/dm-e2e-bench --size 4G --bs 64k --compressible 50
 * bin/bench e2e --transports plaintext,tls-jdk,tls-openssl --seconds 20 --size 2G</pre>
 */
public final class EndToEndBench {
    private EndToEndBench() {}

    public static void main(String[] args) throws Exception {
        E2eOptions options;
        try {
            options = E2eOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("e2e: " + e.getMessage());
            System.exit(2);
            return;
        }
        String report = options.transports().isEmpty() ? E2eReport.markdown(EndToEndRun.run(options))
                : TransportReport.markdown(TransportComparison.run(options));
        System.out.println();
        System.out.print(report);
        if (options.out().isPresent()) {
            Files.writeString(options.out().get(), report);
        }
    }
}
