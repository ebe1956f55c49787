package io.datamover.bench.rpo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code bin/bench e2e}: per transport (plaintext, TLS with the JDK provider, TLS with BoringSSL), the highest fio
 * rate the pipeline sustains streaming, its ratio to plaintext's, and each daemon's CPU per MiB at a rate all of them
 * sustain ({@link SustainedRateRamp}), as a markdown report on stdout (and in {@code --out}).
 *
 * <p>With {@code --flat-out}, the earlier phases instead: without {@code --transports}, the sustained end-to-end
 * rate of an in-JVM pipeline with fio unthrottled and the RPO distribution at half that rate ({@link EndToEndRun});
 * with {@code --transports}, fio unthrottled on daemons as processes per transport ({@link TransportComparison}).
 * Exit 2 on bad options; a missed goal is reported, not an error.
 *
 * <pre>bin/bench e2e --steps 6 --step-seconds 8 --size 2G
 * bin/bench e2e --flat-out --seconds 60 --dir /var/tmp/dm-e2e-bench --size 4G --bs 64k --compressible 50
 * bin/bench e2e --flat-out --transports plaintext,tls-jdk,tls-openssl --seconds 20 --size 2G</pre>
 */
public final class EndToEndBench {
    static final String FLAT_OUT = "--flat-out";

    private EndToEndBench() {}

    public static void main(String[] args) throws Exception {
        List<String> rest = new ArrayList<>(List.of(args));
        boolean flatOut = rest.remove(FLAT_OUT);
        if (rest.contains("--help")) {
            System.out.println(flatOut ? E2eOptions.USAGE : RampOptions.USAGE);
            return;
        }
        Callable<String> bench;
        Optional<Path> out;
        try {
            if (flatOut) {
                E2eOptions options = E2eOptions.parse(rest.toArray(String[]::new));
                out = options.out();
                bench = options.transports().isEmpty() ? () -> E2eReport.markdown(EndToEndRun.run(options))
                        : () -> TransportReport.markdown(TransportComparison.run(options));
            } else {
                RampOptions options = RampOptions.parse(rest.toArray(String[]::new));
                out = options.out();
                bench = () -> RampReport.markdown(SustainedRateRamp.run(options));
            }
        } catch (IllegalArgumentException e) {
            System.err.println("e2e: " + e.getMessage());
            System.exit(2);
            return;
        }
        String report = bench.call();
        System.out.println();
        System.out.print(report);
        if (out.isPresent()) {
            Files.writeString(out.get(), report);
        }
    }
}
