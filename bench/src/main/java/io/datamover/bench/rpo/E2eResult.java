package io.datamover.bench.rpo;

import io.datamover.disk.compare.ComparisonReport;
import java.util.Optional;

/**
 * A whole {@code bench e2e} run: the sustained phase, the half-rate phase (absent when the first did not drain)
 * and the replica check after both (absent likewise).
 *
 * @param problem why the run stopped early, or empty
 */
public record E2eResult(E2eOptions options, MachineFacts machine, PhaseResult sustained,
        Optional<PhaseResult> halfRate, Optional<ComparisonReport> replica, String problem) {

    /** The goal: p99 RPO under one second at half the sustained rate. */
    public static final double RPO_GOAL_SECONDS = 1.0;
}
