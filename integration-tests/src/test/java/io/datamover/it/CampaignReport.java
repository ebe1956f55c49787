package io.datamover.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The fault campaign's results, run by run, and the summary table it prints. */
final class CampaignReport {
    enum Fault { KILL_TARGET, KILL_SOURCE, KILL_TAP, LINK_DISCONNECT, LINK_STALL }

    /** One run: its seed, what it did and what came of it; {@code divergence} null when none. */
    static final class Run {
        final int index;
        final long seed;
        final Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
        final Map<TargetDownCheck.Outcome, Integer> targetDownChecks = new EnumMap<>(TargetDownCheck.Outcome.class);
        final List<String> divergences = new ArrayList<>();
        int writes;
        int reconnects;
        /** Resync images that were no prefix until rolled back: checks that could have failed and did. */
        int noPrefixBeforeRollback;
        Duration converge;

        Run(int index, long seed) {
            this.index = index;
            this.seed = seed;
        }

        void fault(Fault f) {
            faults.merge(f, 1, Integer::sum);
        }

        void checked(TargetDownCheck.Result r) {
            targetDownChecks.merge(r.outcome(), 1, Integer::sum);
            noPrefixBeforeRollback += r.noPrefixBeforeRollback() ? 1 : 0;
            if (r.outcome() == TargetDownCheck.Outcome.DIVERGED) {
                divergences.add("while the target was down: " + r.detail());
            }
        }

        int faultCount() {
            return faults.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private final long seed;
    private final List<Run> runs = new ArrayList<>();

    CampaignReport(long seed) {
        this.seed = seed;
    }

    Run begin(int index, long runSeed) {
        Run run = new Run(index, runSeed);
        runs.add(run);
        return run;
    }

    int divergences() {
        return runs.stream().mapToInt(r -> r.divergences.size()).sum();
    }

    String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%nfault campaign, seed %d (replay: -Ddatamover.campaign.seed=%d"
                + " -Ddatamover.campaign.runs=%d)%n", seed, seed, runs.size()));
        out.append(String.format("%-4s %-20s %7s %5s %-84s %-48s %10s %s%n", "run", "seed", "writes", "recon",
                "faults", "checks while the target was down", "converge", "divergences"));
        Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
        Map<TargetDownCheck.Outcome, Integer> checks = new EnumMap<>(TargetDownCheck.Outcome.class);
        long writes = 0;
        int noPrefixBeforeRollback = 0;
        Duration slowest = Duration.ZERO;
        Duration total = Duration.ZERO;
        int converged = 0;
        for (Run r : runs) {
            out.append(String.format("%-4d %-20d %7d %5d %-84s %-48s %10s %d%n", r.index, r.seed, r.writes,
                    r.reconnects, r.faults, r.targetDownChecks, r.converge == null ? "NO" : r.converge.toMillis()
                            + " ms", r.divergences.size()));
            r.divergences.forEach(d -> out.append("     ").append(d).append('\n'));
            r.faults.forEach((k, v) -> faults.merge(k, v, Integer::sum));
            r.targetDownChecks.forEach((k, v) -> checks.merge(k, v, Integer::sum));
            writes += r.writes;
            noPrefixBeforeRollback += r.noPrefixBeforeRollback;
            if (r.converge != null) {
                converged++;
                total = total.plus(r.converge);
                slowest = r.converge.compareTo(slowest) > 0 ? r.converge : slowest;
            }
        }
        out.append(String.format("total: %d runs, %d writes, %d faults %s,%n", runs.size(), writes,
                faults.values().stream().mapToInt(Integer::intValue).sum(), faults));
        out.append(String.format("  checks while the target was down %s (%d resync images no prefix until rolled"
                + " back),%n", checks, noPrefixBeforeRollback));
        out.append(String.format("  converged %d/%d (mean %d ms, max %d ms), divergences %d%n", converged,
                runs.size(), converged == 0 ? 0 : total.toMillis() / converged, slowest.toMillis(), divergences()));
        return out.toString();
    }
}
