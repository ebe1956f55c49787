package io.datamover.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The fault campaign's results, run by run, and the summary table it prints. */
final class CampaignReport {
    /**
     * The kinds of fault; the last two only in a coordinated run (two source gateways of a site on a three-node
     * ZooKeeper ensemble): kill -9 of the gateway leading the group, kill -9 of a ZooKeeper server.
     */
    enum Fault {
        KILL_TARGET, KILL_SOURCE, KILL_TAP, LINK_DISCONNECT, LINK_STALL, CORRUPT, ENOSPC, JOURNAL_FULL,
        JOURNAL_DISK_FULL, IDLE, KILL_LEADER(true), KILL_ZOOKEEPER(true);

        private final boolean coordinatedOnly;

        Fault() {
            this(false);
        }

        Fault(boolean coordinatedOnly) {
            this.coordinatedOnly = coordinatedOnly;
        }

        /** The kinds a run injects: every one in a coordinated run, else those that need no ensemble. */
        static List<Fault> of(boolean coordinated) {
            return java.util.Arrays.stream(values()).filter(f -> coordinated || !f.coordinatedOnly).toList();
        }
    }

    /** The refusals damage on the wire can cause: the frame CRC, or first a header field it garbled. */
    private static final List<String> DAMAGE_CODES = List.of("BAD_MAGIC", "UNSUPPORTED_VERSION",
            "UNKNOWN_FRAME_TYPE", "FRAME_TOO_LARGE", "CRC_MISMATCH", "TRUNCATED", "MALFORMED", "BAD_COMPRESSION");

    /**
     * What the daemons counted of the faults that leave no process down, read at the end of a run: bytes the link
     * damaged, frames refused as damaged (target and source), apply failures on a full disk (each retry
     * counts), tap writes the full journal refused, journal appends its full disk refused (each retry counts).
     */
    record Evidence(long corruptedBytes, long damagedFrames, long applyFailures, long journalFullRefusals,
            long journalWriteFailures) {
        static final Evidence NONE = new Evidence(0, 0, 0, 0, 0);

        Evidence plus(Evidence o) {
            return new Evidence(corruptedBytes + o.corruptedBytes, damagedFrames + o.damagedFrames,
                    applyFailures + o.applyFailures, journalFullRefusals + o.journalFullRefusals,
                    journalWriteFailures + o.journalWriteFailures);
        }

        @Override
        public String toString() {
            return String.format("%d/%d/%d/%d/%d", corruptedBytes, damagedFrames, applyFailures, journalFullRefusals,
                    journalWriteFailures);
        }
    }

    /** One run: its seed, what it did and what came of it; {@code divergence} null when none. */
    static final class Run {
        final int index;
        final long seed;
        /** Whether the run's site is coordinated (two source gateways on a ZooKeeper ensemble). */
        final boolean coordinated;
        final Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
        final Map<TargetDownCheck.Outcome, Integer> targetDownChecks = new EnumMap<>(TargetDownCheck.Outcome.class);
        final List<String> divergences = new ArrayList<>();
        int writes;
        int reconnects;
        /** Resync images that were no prefix until rolled back: checks that could have failed and did. */
        int noPrefixBeforeRollback;
        Duration converge;
        Evidence evidence = Evidence.NONE;
        private Evidence lastRead = Evidence.NONE;

        Run(int index, long seed, boolean coordinated) {
            this.index = index;
            this.seed = seed;
            this.coordinated = coordinated;
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

        /**
         * Adds what the link and the daemons counted since the last call (call before each fault and at the end).
         * A daemon killed and started again counts from 0: then its whole count is taken, a lower bound.
         */
        void evidence(ReplicationSite site) throws InterruptedException {
            Evidence now = new Evidence(site.link().upstreamBytesCorrupted() + site.link().downstreamBytesCorrupted(),
                    damagedFrameRefusals(site),
                    (long) AdminMetrics.sum(site.targetAdmin(), "datamover_target_apply_failures_total"),
                    (long) AdminMetrics.sum(site.sourceAdmin(), "datamover_journal_full_refusals_total"),
                    (long) AdminMetrics.sum(site.sourceAdmin(), "datamover_journal_write_failures_total"));
            evidence = evidence.plus(new Evidence(since(now.corruptedBytes, lastRead.corruptedBytes),
                    since(now.damagedFrames, lastRead.damagedFrames), since(now.applyFailures, lastRead.applyFailures),
                    since(now.journalFullRefusals, lastRead.journalFullRefusals),
                    since(now.journalWriteFailures, lastRead.journalWriteFailures)));
            lastRead = now;
        }

        /** Frames either gateway refused as damaged: a bad checksum, or a header that makes no sense. */
        private static long damagedFrameRefusals(ReplicationSite site) throws InterruptedException {
            double sum = 0;
            for (String code : DAMAGE_CODES) {
                sum += AdminMetrics.sum(site.targetAdmin(), "datamover_target_rejected_total", "code=\"" + code + "\"")
                        + AdminMetrics.sum(site.sourceAdmin(), "datamover_source_ship_errors_total",
                                "code=\"" + code + "\"", "origin=\"local\"");
            }
            return (long) sum;
        }

        private static long since(long now, long before) {
            return now >= before ? now - before : now;
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

    Run begin(int index, long runSeed, boolean coordinated) {
        Run run = new Run(index, runSeed, coordinated);
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
        out.append(String.format("%-4s %-20s %-5s %7s %5s %-180s %-48s %-13s %10s %s%n", "run", "seed", "site",
                "writes", "recon",
                "faults", "checks while the target was down", "evidence", "converge", "divergences"));
        Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
        Map<TargetDownCheck.Outcome, Integer> checks = new EnumMap<>(TargetDownCheck.Outcome.class);
        long writes = 0;
        int noPrefixBeforeRollback = 0;
        Duration slowest = Duration.ZERO;
        Duration total = Duration.ZERO;
        int converged = 0;
        Evidence evidence = Evidence.NONE;
        for (Run r : runs) {
            out.append(String.format("%-4d %-20d %-5s %7d %5d %-180s %-48s %-13s %10s %d%n", r.index, r.seed,
                    r.coordinated ? "zk" : "one", r.writes, r.reconnects, r.faults, r.targetDownChecks, r.evidence,
                    r.converge == null ? "NO" : r.converge.toMillis() + " ms", r.divergences.size()));
            evidence = evidence.plus(r.evidence);
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
        out.append(String.format("  evidence: %d bytes corrupted on the link, %d frames refused as damaged,"
                + " %d apply failures on a full disk, %d writes refused by a full journal, %d journal appends"
                + " refused by its full disk (lower bounds: a killed daemon's counts are lost),%n",
                evidence.corruptedBytes(), evidence.damagedFrames(), evidence.applyFailures(),
                evidence.journalFullRefusals(), evidence.journalWriteFailures()));
        out.append(String.format("  converged %d/%d (mean %d ms, max %d ms), divergences %d%n", converged,
                runs.size(), converged == 0 ? 0 : total.toMillis() / converged, slowest.toMillis(), divergences()));
        return out.toString();
    }
}
