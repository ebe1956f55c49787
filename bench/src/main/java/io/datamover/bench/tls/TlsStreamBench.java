package io.datamover.bench.tls;

import io.datamover.bench.OptionPairs;
import io.datamover.bench.Sizes;
import io.datamover.bench.rpo.Transport;
import io.datamover.protocol.Role;
import io.datamover.protocol.tls.LabCertificates;
import io.datamover.protocol.tls.TlsContexts;
import io.datamover.protocol.tls.TlsFiles;
import io.datamover.protocol.tls.TransportSecurity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * {@code bin/bench tls-stream}: what TLS costs the tap's link by itself, without disks, journals or daemons. In one
 * JVM, a {@link LoopbackStream} per run pushes WRITE_RECORD frames through the real pipeline over loopback for each
 * transport in turn; rounds alternate the transports, so a change in the machine's load spreads over all of them.
 * An unmeasured warm-up run per transport first lets the JIT compile each path (a daemon runs for days). Reports
 * each run, then each transport's median MB/s, its ratio to plaintext's median and the median CPU per MiB of the
 * sending and receiving event loop threads and of the whole process.
 */
public final class TlsStreamBench {
    private static final String USAGE = "usage: bench tls-stream [--transports plaintext,tls-jdk,tls-openssl]"
            + " [--rounds 5] [--seconds 5] [--warmup 10] [--record-size 64k]";
    private static final String PAIR = "bench";

    private TlsStreamBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> o = OptionPairs.parse(args,
                Set.of("--transports", "--rounds", "--seconds", "--warmup", "--record-size"), USAGE);
        List<Transport> transports = Arrays.stream(o.getOrDefault("--transports", "plaintext,tls-jdk,tls-openssl")
                .split(",")).map(Transport::parse).toList();
        int rounds = Integer.parseInt(o.getOrDefault("--rounds", "5"));
        double seconds = Double.parseDouble(o.getOrDefault("--seconds", "5"));
        double warmup = Double.parseDouble(o.getOrDefault("--warmup", "10"));
        int recordBytes = Math.toIntExact(Sizes.parse(o.getOrDefault("--record-size", "64k")));

        Path tlsDir = LabCertificates.create(Files.createTempDirectory("datamover-tls-stream-"), PAIR, List.of(1),
                LabCertificates.LOOPBACK);
        System.out.printf("tls-stream: %s records, %d rounds of %.0f s per transport after a %.0f s warm-up each;"
                        + " load average %s; %d cores; JDK %s%n", Sizes.human(recordBytes), rounds, seconds, warmup,
                Files.readString(Path.of("/proc/loadavg")).trim(), Runtime.getRuntime().availableProcessors(),
                Runtime.version());
        for (Transport t : transports) {
            try (LoopbackStream s = open(t, tlsDir, recordBytes)) {
                s.run(warmup);
            }
        }
        Map<Transport, List<LoopbackStream.Sample>> samples = new EnumMap<>(Transport.class);
        System.out.println("| round | transport | MB/s | sender CPU µs/MiB | receiver CPU µs/MiB | process CPU µs/MiB |");
        System.out.println("|---|---|---|---|---|---|");
        for (int round = 1; round <= rounds; round++) {
            for (Transport t : transports) {
                LoopbackStream.Sample sample;
                try (LoopbackStream s = open(t, tlsDir, recordBytes)) {
                    sample = s.run(seconds);
                }
                samples.computeIfAbsent(t, k -> new ArrayList<>()).add(sample);
                System.out.printf(Locale.ROOT, "| %d | %s | %.1f | %,.0f | %,.0f | %,.0f |%n", round, t.label(),
                        sample.megabytesPerSecond(), sample.senderMicrosPerMiB(), sample.receiverMicrosPerMiB(),
                        sample.processMicrosPerMiB());
            }
        }
        report(samples);
    }

    private static LoopbackStream open(Transport t, Path tlsDir, int recordBytes) throws Exception {
        return LoopbackStream.open(security(t, tlsDir, Role.SOURCE_GATEWAY), security(t, tlsDir, Role.TAP), PAIR,
                recordBytes);
    }

    private static TransportSecurity security(Transport t, Path tlsDir, Role role) throws Exception {
        return t.tls() ? TransportSecurity.tls(TlsContexts.load(new TlsFiles(tlsDir, role), t.provider(),
                Clock.systemUTC())) : TransportSecurity.insecurePlaintext();
    }

    private static void report(Map<Transport, List<LoopbackStream.Sample>> samples) {
        Map<Transport, Double> rate = new LinkedHashMap<>();
        samples.forEach((t, list) -> rate.put(t, median(list, LoopbackStream.Sample::megabytesPerSecond)));
        Double plain = rate.get(Transport.PLAINTEXT);
        System.out.println();
        System.out.println("| transport | median MB/s | ratio to plaintext | sender CPU µs/MiB | receiver CPU µs/MiB"
                + " | process CPU µs/MiB |");
        System.out.println("|---|---|---|---|---|---|");
        samples.forEach((t, list) -> System.out.printf(Locale.ROOT, "| %s | %.1f | %s | %,.0f | %,.0f | %,.0f |%n",
                t.label(), rate.get(t), plain == null ? "n/a" : String.format(Locale.ROOT, "%.2fx", rate.get(t) / plain),
                median(list, LoopbackStream.Sample::senderMicrosPerMiB),
                median(list, LoopbackStream.Sample::receiverMicrosPerMiB),
                median(list, LoopbackStream.Sample::processMicrosPerMiB)));
        if (plain != null) {
            System.out.println();
            rate.forEach((t, r) -> {
                if (t.tls()) {
                    System.out.printf(Locale.ROOT, "TLS >= 0.8x plaintext (%s, medians): %s (%.2fx)%n", t.label(),
                            r >= 0.8 * plain ? "PASS" : "FAIL", r / plain);
                }
            });
        }
    }

    private static double median(List<LoopbackStream.Sample> list, ToDoubleFunction<LoopbackStream.Sample> f) {
        double[] v = list.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
