package io.datamover.bench.rpo;

import io.datamover.disk.compare.ComparisonReport;
import java.util.Optional;

/**
 * One run of the RPO sweep: the steady phase (fio at the configured rate, the link's outages during it), the burst
 * after it (fio unthrottled, then the drain), what each component used over both, and the replica check.
 *
 * @param linkBytesToTarget bytes the emulated link delivered to the target gateway over both phases
 * @param problem why the run stopped early, or empty
 */
public record RunResult(RpoOptions.RunConfig config, Optional<PhaseResult> steady, Optional<PhaseResult> burst,
        Optional<ResourceSampler.Usage> usage, long linkBytesToTarget, Optional<ComparisonReport> replica,
        String problem) {

    /** Batch frame bytes over guest bytes written, both phases together. */
    public double wirePerWrittenByte() {
        long fio = steady.map(PhaseResult::fioBytes).orElse(0L) + burst.map(PhaseResult::fioBytes).orElse(0L);
        long wire = steady.map(PhaseResult::wireBytes).orElse(0L) + burst.map(PhaseResult::wireBytes).orElse(0L);
        return fio == 0 ? Double.NaN : (double) wire / fio;
    }

    public Distribution rpo() {
        return steady.map(PhaseResult::endToEndRpo).orElse(Distribution.of(new double[0]));
    }

    public double drainSeconds() {
        return burst.map(PhaseResult::drainSeconds).orElse(Double.NaN);
    }

    /** The burst's guest bytes over the time from its start until the replica held them: the link-bound rate. */
    public double burstThroughput() {
        return burst.map(PhaseResult::writtenUntilDrainedBytesPerSecond).orElse(Double.NaN);
    }
}
