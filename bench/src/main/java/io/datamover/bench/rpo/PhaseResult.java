package io.datamover.bench.rpo;

import io.datamover.bench.FioOutput;
import io.datamover.tap.replication.ReplicationMode;
import java.util.Map;

/**
 * One write phase: what fio wrote, what the replica absorbed while it wrote, what that cost on the wire (counted
 * until the pipeline drained), the RPO samples taken while fio wrote, and how long the backlog took to drain.
 *
 * @param writeSeconds from fio's start to its exit
 * @param appliedBytes guest bytes the target applied during {@code writeSeconds} (applied writes times the block
 *     size: every write of the workload is one record of exactly that size)
 * @param shippedBodyBytes record bytes the source shipped for this phase, after coalescing, before compression
 * @param wireBytes batch frame bytes the source sent for this phase
 * @param worstTapMode STREAMING unless the tap fell behind (BITMAP: the source refused records)
 * @param slowestTenthWaitedAt where the oldest unapplied write waited, counted over the slowest tenth of samples
 * @param drainSeconds from fio's exit until the target applied the tap's last write; NaN if it never did
 * @param endToEndSeries the end-to-end RPO samples in time order, from fio's start
 * @param guestLatency fio's write completion latency over the phase
 */
public record PhaseResult(Workload workload, double writeSeconds, long fioBytes, long appliedBytes,
        long shippedBodyBytes, long wireBytes, long coalescedBytes, ReplicationMode worstTapMode,
        Distribution pipelineRpo, Distribution endToEndRpo, Map<WaitStage, Integer> slowestTenthWaitedAt,
        double drainSeconds, Series endToEndSeries, FioOutput.Latency guestLatency) {

    public PhaseResult {
        slowestTenthWaitedAt = Map.copyOf(slowestTenthWaitedAt);
    }

    public double appliedBytesPerSecond() {
        return appliedBytes / writeSeconds;
    }

    public double fioBytesPerSecond() {
        return fioBytes / writeSeconds;
    }

    /** Guest bytes written per second from fio's start until the replica held them all: a burst's throughput. */
    public double writtenUntilDrainedBytesPerSecond() {
        return fioBytes / (writeSeconds + drainSeconds);
    }

    public boolean drained() {
        return !Double.isNaN(drainSeconds);
    }

    public boolean tapStayedStreaming() {
        return worstTapMode == ReplicationMode.STREAMING;
    }

    /** Wire bytes per byte the guest wrote: compression, coalescing and framing together. */
    public double wirePerWrittenByte() {
        return fioBytes == 0 ? Double.NaN : (double) wireBytes / fioBytes;
    }

    /** Wire bytes per shipped record byte: compression and framing only. */
    public double wirePerShippedByte() {
        return shippedBodyBytes == 0 ? Double.NaN : (double) wireBytes / shippedBodyBytes;
    }
}
