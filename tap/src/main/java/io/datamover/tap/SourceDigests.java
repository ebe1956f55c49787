package io.datamover.tap;

import io.datamover.disk.compare.RegionDigests;
import io.datamover.tap.replication.ReplicationMode;

/**
 * Region digests of a source disk for an online verify ({@link Tap#regionDigests}), with what the comparison needs to
 * know of the stream around the read: the group's mode before and after it, the stretch of STREAMING it was in
 * ({@code streamingStretch}, -1 when it did not stream throughout), and the last seq given to a write once the read
 * ended (every write that reached the disk before the read has a seq at most that).
 */
public record SourceDigests(ReplicationMode modeBefore, ReplicationMode modeAfter, long streamingStretch,
        long lastSeq, RegionDigests.Span span) {
    /** True when the group streamed throughout the read, so the replica catches up with {@link #lastSeq}. */
    public boolean streamed() {
        return streamingStretch >= 0;
    }
}
