package io.datamover.bench.rpo;

import io.datamover.bench.Sizes;
import java.util.Locale;

/**
 * The markdown both issue 18 benches print: their parameters, and one row per guest phase (what fio wrote, its
 * write latency, the tap's mode, the source gateway's own RPO and the end-to-end RPO sampled every 100 ms).
 */
final class GuestPhaseTable {
    private final StringBuilder md = new StringBuilder("| phase | fio wrote MB/s | write latency mean / p99 ms"
            + " | tap mode | source RPO p50 / p99 / max s | end-to-end RPO p50 / p99 / max s | drain s |\n"
            + "|---|---|---|---|---|---|---|\n");

    /** Machine facts and the run's parameters, as two tables. */
    static String header(MachineFacts machine, OperationBenchOptions o) {
        return machine.markdown(o.dir()) + "\n| parameter | value |\n|---|---|\n"
                + "| pair | tap, source and target gateway each a bin/datamover JVM (" + o.transport().label()
                + "), the gateways linked through an unlimited loopback proxy |\n"
                + "| source disk | " + Sizes.human(o.diskBytes()) + " sparse, written full by fio (1 MiB writes) and"
                + " replicated before the measurements |\n"
                + "| guest | fio nbd engine, randwrite, bs 64 KiB, iodepth " + OperationBenchOptions.GUEST_DEPTH
                + ", 50% compressible, --rate " + mb(o.guestRate()) + " MB/s, " + o.guestSeconds() + " s a phase |\n";
    }

    /** Adds a row for {@code phase}, named {@code name}. */
    GuestPhaseTable row(String name, PhaseResult phase) {
        md.append("| ").append(name).append(" | ").append(mb(phase.fioBytesPerSecond())).append(" | ")
                .append(fmt("%.2f / %.2f", phase.guestLatency().meanNanos() / 1e6,
                        phase.guestLatency().p99Nanos() / 1e6)).append(" | ")
                .append(phase.tapStayedStreaming() ? "STREAMING" : "fell to " + phase.worstTapMode()).append(" | ")
                .append(rpo(phase.pipelineRpo())).append(" | ").append(rpo(phase.endToEndRpo())).append(" | ")
                .append(phase.drained() ? fmt("%.2f", phase.drainSeconds()) : "did not drain").append(" |\n");
        return this;
    }

    String markdown() {
        return md.toString();
    }

    static String rpo(Distribution d) {
        return fmt("%.3f / %.3f / %.3f", d.p50(), d.p99(), d.max());
    }

    static String mb(double bytesPerSecond) {
        return fmt("%.1f", bytesPerSecond / 1e6);
    }

    static String passFail(boolean pass) {
        return pass ? "PASS" : "FAIL";
    }

    static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
