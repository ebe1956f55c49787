package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

/** Deadline waits and the closing check the focused fault tests share. */
final class FaultAwaits {
    static final Duration DEADLINE = Duration.ofSeconds(60);
    /**
     * A pair's first replicated batch: three daemon JVMs starting, TLS, the tap's first connection. On a 2-core
     * machine running other builds (load averages of 30 and more seen) that alone took more than {@link #DEADLINE}.
     */
    static final Duration START_DEADLINE = Duration.ofMinutes(3);
    private static final Duration CONVERGE_DEADLINE = Duration.ofSeconds(120);

    private FaultAwaits() {}

    @FunctionalInterface
    interface Reading {
        double read() throws Exception;
    }

    /** Polls {@code reading} until it is at least {@code atLeast}; fails with {@code what} at the deadline. */
    static void atLeast(Duration deadline, String what, Reading reading, double atLeast) throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        double value;
        while ((value = reading.read()) < atLeast) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + ": " + value + " after " + deadline.toSeconds() + " s, expected at"
                        + " least " + atLeast);
            }
            Thread.sleep(50); // polling with a deadline
        }
    }

    /** Polls until {@code condition} holds; fails with {@code what} at the deadline. */
    static void until(Duration deadline, String what, java.util.concurrent.Callable<Boolean> condition)
            throws Exception {
        atLeast(deadline, what, () -> condition.call() ? 1 : 0, 1);
    }

    /**
     * Every write of the tap at {@code tapAdmin} is journaled at its source gateway: none waits to be handed off or
     * for its DURABLE ack. (Its bitmap says nothing here: with APPLIED_ACKS the tap keeps a write's dirty bit until
     * the target applied it.)
     */
    static void journaled(String tapAdmin) throws Exception {
        until(DEADLINE, "every write of the tap at " + tapAdmin + " journaled at its source gateway",
                () -> AdminMetrics.sum(tapAdmin, "datamover_tap_handoff_queue_bytes") == 0
                        && AdminMetrics.sum(tapAdmin, "datamover_tap_records_unacknowledged") == 0);
    }

    /** The target has applied batches and its replica is UP_TO_DATE (the skipped initial sync is through). */
    static void replicating(ReplicationSite site) throws Exception {
        until(START_DEADLINE, "target UP_TO_DATE with batches applied", () -> {
            AdminStatus target = site.targetStatus();
            return target != null && target.state().equals("UP_TO_DATE") && target.appliedSeq() != null
                    && target.appliedSeq() > 0;
        });
    }

    /**
     * Polls until the target gateway at {@code targetAdmin} is UP_TO_DATE with every seq the tap at {@code tapAdmin}
     * assigned applied (at least one); fails with {@code what} at the deadline. Returns that applied seq.
     */
    static long caughtUp(Duration deadline, String what, String targetAdmin, String tapAdmin) throws Exception {
        long[] applied = new long[1];
        until(deadline, what, () -> {
            AdminStatus target = AdminStatus.fetch(targetAdmin);
            AdminStatus tap = AdminStatus.fetch(tapAdmin);
            boolean done = target != null && tap != null && target.appliedSeq() != null && target.appliedSeq() > 0
                    && target.appliedSeq() == tap.lastSeq() && target.state().equals("UP_TO_DATE");
            if (done) {
                applied[0] = target.appliedSeq();
            }
            return done;
        });
        return applied[0];
    }

    /** Stops the guest; the pair converges, the replica equals the source and holds every acknowledged write. */
    static void converges(ReplicationSite site, CampaignWorkload guest, Path initial) throws Exception {
        guest.close();
        guest.checkHealthy();
        boolean converged = ConvergenceCheck.await(site, CONVERGE_DEADLINE);
        if (!converged) {
            throw new AssertionError("no convergence within " + CONVERGE_DEADLINE + ": tap " + site.tapStatus()
                    + ", target " + site.targetStatus() + "\n" + site.logTails());
        }
        assertThat(ConvergenceCheck.divergences(site, initial, guest.log().snapshot())).isEmpty();
    }
}
