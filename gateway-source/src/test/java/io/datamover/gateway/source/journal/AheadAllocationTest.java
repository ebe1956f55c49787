package io.datamover.gateway.source.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.disk.SparseFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AheadAllocationTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void allocatesAStepAheadOnlyWhenLessThanHalfIsLeftAndAgainInANewCycle() throws Exception {
        AheadAllocation ahead = new AheadAllocation();
        try (SparseFile file = SparseFile.create(dir.resolve("cycle"), 64 * MIB)) {
            ahead.ensure(file, 1, MIB, 2 * MIB);
            long first = file.allocatedBytes();
            assertThat(first).isBetween(MIB + AheadAllocation.AHEAD_BYTES, MIB + AheadAllocation.AHEAD_BYTES + MIB);

            ahead.ensure(file, 1, 2 * MIB, 3 * MIB); // more than half a step still ahead: nothing to do
            assertThat(file.allocatedBytes()).isEqualTo(first);

            ahead.ensure(file, 1, 10 * MIB, 11 * MIB);
            assertThat(file.allocatedBytes()).isGreaterThanOrEqualTo(10 * MIB + AheadAllocation.AHEAD_BYTES);
            assertThat(file.size()).as("the size is Chronicle's business").isEqualTo(64 * MIB);
        }
        try (SparseFile next = SparseFile.create(dir.resolve("next-cycle"), 64 * MIB)) {
            ahead.ensure(next, 2, 0, MIB); // a new cycle starts from its own write position
            assertThat(next.allocatedBytes()).isGreaterThanOrEqualTo(MIB + AheadAllocation.AHEAD_BYTES);
        }
    }

    /**
     * Leaving a cycle gives back its blocks ahead: kept, every cycle file behind an unacknowledged retention point
     * held a whole step unwritten, and one-second cycles filled a 128 MiB disk in seconds.
     */
    @Test
    void leavingACycleGivesBackWhatWasAllocatedPastItsLastEntry() throws Exception {
        AheadAllocation ahead = new AheadAllocation();
        try (SparseFile file = SparseFile.create(dir.resolve("cycle"), 64 * MIB)) {
            ahead.ensure(file, 1, 0, MIB);
            file.writeFully(java.nio.ByteBuffer.wrap(new byte[(int) MIB]), 0); // the entry's bytes
            assertThat(file.allocatedBytes()).isGreaterThanOrEqualTo(MIB + AheadAllocation.AHEAD_BYTES);

            ahead.leave(file);
            assertThat(file.allocatedBytes()).isBetween(MIB, MIB + AheadAllocation.MIN_AHEAD_BYTES);
            assertThat(ahead.cycle()).isEqualTo(Integer.MIN_VALUE);
        }
    }

    @Test
    void aFailedAllocationIsOnlyLoggedAndNotRetriedInThatCycle() throws Exception {
        AheadAllocation ahead = new AheadAllocation();
        SparseFile.create(dir.resolve("cycle"), 64 * MIB).close();
        try (SparseFile readOnly = SparseFile.openReadOnly(dir.resolve("cycle"))) {
            ahead.ensure(readOnly, 1, 0, MIB); // EBADF: the append must go on
            ahead.ensure(readOnly, 1, 20 * MIB, 21 * MIB);
            assertThat(readOnly.allocatedBytes()).isZero();
        }
    }
}
