package io.datamover.bench.rpo;

import io.datamover.bench.rpo.DaemonPipeline.Component;

/**
 * One step of a sustained-rate search: fio at {@code rate} for the step, what the replica absorbed, and whether the
 * pipeline kept up.
 *
 * @param rate fio's {@code --rate}, bytes a second
 * @param appliedBytes the target's {@code datamover_applier_bytes_written_bytes_total} from the step's start to the
 *     end of its drain: what the replica absorbed, counted in bytes (a resync record of 1 MiB counts 1 MiB)
 * @param rpoAtEndSeconds the end-to-end RPO's highest sample in the step's last second
 * @param usage each daemon's CPU over the step and its drain
 */
record RampStep(long rate, PhaseResult phase, long appliedBytes, double rpoAtEndSeconds,
        ResourceSampler.Usage usage, Outcome outcome) {

    /** fio must write at least this share of the rate, or the guest side, not replication, set the pace. */
    static final double GUEST_KEPT_RATE = 0.9;

    /** Why a step held or not, checked in this order. */
    enum Outcome {
        NOT_DRAINED("the replica did not catch up after the step"),
        LEFT_STREAMING("the tap left STREAMING (bitmap mode or a resync)"),
        RPO_GREW("the RPO at the step's end passed the bound"),
        GUEST_SHORT("fio wrote less than 90% of the rate (the guest side set the pace)"),
        HELD("held: streaming, the replica kept up");

        private final String meaning;

        Outcome(String meaning) {
            this.meaning = meaning;
        }

        String meaning() {
            return meaning;
        }
    }

    /** The outcome of a step with these figures. */
    static Outcome judge(long rate, PhaseResult phase, double rpoAtEndSeconds, double maxRpoSeconds) {
        if (!phase.drained()) {
            return Outcome.NOT_DRAINED;
        }
        if (!phase.tapStayedStreaming()) {
            return Outcome.LEFT_STREAMING;
        }
        if (!(rpoAtEndSeconds < maxRpoSeconds)) {
            return Outcome.RPO_GREW;
        }
        if (fioBytesPerSecond(phase) < GUEST_KEPT_RATE * rate) {
            return Outcome.GUEST_SHORT;
        }
        return Outcome.HELD;
    }

    /** The highest end-to-end RPO sample taken in the last second of fio's run; 0 when none was taken then. */
    static double rpoAtEnd(PhaseResult phase) {
        Series series = phase.endToEndSeries();
        double max = 0;
        for (int i = 0; i < series.size(); i++) {
            if (series.atSeconds()[i] >= phase.writeSeconds() - 1) {
                max = Math.max(max, series.values()[i]);
            }
        }
        return max;
    }

    boolean held() {
        return outcome == Outcome.HELD;
    }

    /** Bytes the replica absorbed per second of fio's run. */
    double appliedBytesPerSecond() {
        return appliedBytes / (double) phase.workload().seconds();
    }

    /** Bytes fio wrote per second of its run. */
    double fioBytesPerSecond() {
        return fioBytesPerSecond(phase);
    }

    /**
     * Over the run's time as fio counts it (its {@code --runtime}, time-based), not the wall time from its start to
     * its exit, which adds fio's start and report: on a busy machine a tenth of a short step.
     */
    private static double fioBytesPerSecond(PhaseResult phase) {
        return phase.fioBytes() / (double) phase.workload().seconds();
    }

    /** The daemon's CPU, less its admin reads, per MiB fio wrote in the step (all of it applied by the drain's end). */
    double cpuMicrosPerMiB(Component component) {
        return phase.drained() ? usage.cpuMicrosPerMiB(component, phase.fioBytes()) : Double.NaN;
    }
}
