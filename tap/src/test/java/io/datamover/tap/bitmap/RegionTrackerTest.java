package io.datamover.tap.bitmap;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.disk.FileIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegionTrackerTest {
    private static final BitmapIdentity IDENTITY = new BitmapIdentity("pair-test", 1, new FileIdentity(12, 0, 0, 0, 0));

    private static final int REGION = 64 << 10;

    @TempDir
    Path dir;

    @Test
    void aRegionClearsOnlyAfterItsLastHolderAndAFullIdlePeriod() throws IOException {
        try (DirtyBitmap bitmap = DirtyBitmap.open(dir.resolve("d.dirty"), IDENTITY, 64L * REGION, REGION, pages -> { })) {
            RegionTracker tracker = perRegion(bitmap);
            bitmap.awaitDurable(tracker.hold(0, 2 * REGION));      // regions 0, 1
            bitmap.awaitDurable(tracker.hold(REGION, 10));         // region 1 again
            tracker.release(0, 2 * REGION, false);
            tracker.sweep();
            tracker.sweep();
            assertThat(bitmap.snapshot().stream()).as("region 1 still held").containsExactly(1);

            tracker.release(REGION, 10, false);
            tracker.sweep();
            assertThat(bitmap.isDirty(1)).as("kept for one retention period (hot region)").isTrue();
            tracker.sweep();
            assertThat(bitmap.dirtyCount()).isZero();
        }
    }

    @Test
    void aWriteAgainWhileIdleKeepsTheRegion() throws IOException {
        try (DirtyBitmap bitmap = DirtyBitmap.open(dir.resolve("d.dirty"), IDENTITY, 64L * REGION, REGION, pages -> { })) {
            RegionTracker tracker = perRegion(bitmap);
            tracker.hold(0, 1);
            tracker.release(0, 1, false);
            tracker.sweep();
            assertThat(tracker.hold(0, 1)).as("still durable: no sync needed").isZero();
            tracker.sweep();
            tracker.sweep();
            assertThat(bitmap.isDirty(0)).isTrue();
        }
    }

    @Test
    void pinnedRegionsStayUntilUnpinned() throws IOException {
        try (DirtyBitmap bitmap = DirtyBitmap.open(dir.resolve("d.dirty"), IDENTITY, 64L * REGION, REGION, pages -> { })) {
            RegionTracker tracker = perRegion(bitmap);
            tracker.hold(5L * REGION, 1);
            tracker.release(5L * REGION, 1, true);
            tracker.sweep();
            tracker.sweep();
            assertThat(bitmap.isDirty(5)).isTrue();
            tracker.unpinAll();
            tracker.sweep();
            tracker.sweep();
            assertThat(bitmap.isDirty(5)).isFalse();
        }
    }

    @Test
    void regionsDirtyAtStartAreNeverClearedByAcknowledgements() throws IOException {
        Path file = dir.resolve("d.dirty");
        try (DirtyBitmap bitmap = DirtyBitmap.open(file, IDENTITY, 64L * REGION, REGION, pages -> { })) {
            bitmap.awaitDurable(bitmap.set(9, 9));
        }
        try (DirtyBitmap bitmap = DirtyBitmap.open(file, IDENTITY, 64L * REGION, REGION, pages -> { })) {
            RegionTracker tracker = perRegion(bitmap);
            assertThat(tracker.hasPinnedRegions()).isTrue();
            tracker.hold(9L * REGION, 1);
            tracker.release(9L * REGION, 1, false);
            tracker.sweep();
            tracker.sweep();
            assertThat(bitmap.isDirty(9)).isTrue();
        }
    }

    @Test
    void aNewBitmapStartsWithItsInitialRegionsDurablyAndTheyWaitForTheSyncNotForWrites() throws IOException {
        Path path = dir.resolve("new.dirty");
        BitSet initial = new BitSet();
        initial.set(0);
        initial.set(3, 6);
        try (DirtyBitmap bitmap = DirtyBitmap.open(path, IDENTITY, 64L * REGION, REGION, pages -> { }, () -> initial)) {
            assertThat(bitmap.created()).isTrue();
            RegionTracker tracker = RegionTracker.forInitialSync(bitmap, onePerRegion(bitmap));
            assertThat(tracker.hasPinnedRegions()).as("not a resync").isFalse();
            assertThat(tracker.hasSyncPending()).isTrue();

            tracker.hold(3 * REGION, 10); // a guest write, acknowledged: region 3 still waits for the sync
            tracker.release(3 * REGION, 10, false);
            sweepTwice(tracker);
            assertThat(bitmap.snapshot()).isEqualTo(initial);
            tracker.syncCovered(5 * REGION, false); // regions 0..4 covered; 0 is the witness
            sweepTwice(tracker);
            assertThat(bitmap.snapshot()).isEqualTo(bits(0, 5));

            tracker.syncCovered(64L * REGION, true);
            sweepTwice(tracker);
            assertThat(bitmap.dirtyCount()).isZero();
            assertThat(tracker.hasSyncPending()).isFalse();
        }
        try (DirtyBitmap reopened = DirtyBitmap.open(path, IDENTITY, 64L * REGION, REGION, pages -> { }, () -> {
            throw new AssertionError("asked for initial regions of an existing bitmap");
        })) {
            assertThat(reopened.created()).isFalse();
        }
    }

    @Test
    void anAbandonedSyncLeavesItsRegionsPinnedForAResync() throws IOException {
        Path path = dir.resolve("new.dirty");
        try (DirtyBitmap bitmap = DirtyBitmap.open(path, IDENTITY, 64L * REGION, REGION, pages -> { }, () -> bits(0, 7, 9))) {
            RegionTracker tracker = RegionTracker.forInitialSync(bitmap, onePerRegion(bitmap));
            tracker.abandonSync();
            assertThat(tracker.hasPinnedRegions()).isTrue();
            tracker.syncCovered(64L * REGION, true); // too late: nothing waits for the sync any more
            sweepTwice(tracker);
            assertThat(bitmap.snapshot()).isEqualTo(bits(0, 7, 9));
        }
        assertThat(Files.exists(path.resolveSibling("new.dirty.new"))).isFalse();
        try (DirtyBitmap onDisk = DirtyBitmap.open(path, IDENTITY, 64L * REGION, REGION, pages -> { })) {
            assertThat(onDisk.snapshot()).isEqualTo(bits(0, 7, 9));
        }
    }

    @Test
    void aResyncTakesThePinnedRegionsAndKeepsTheWitnessUntilSyncEnd() throws IOException {
        try (DirtyBitmap bitmap = DirtyBitmap.open(dir.resolve("d.dirty"), IDENTITY, 64L * REGION, REGION, pages -> { })) {
            RegionTracker tracker = perRegion(bitmap);
            assertThat(tracker.beginResync()).as("nothing pinned, nothing to resync").isNull();
            tracker.hold(5L * REGION, 2 * REGION);
            tracker.release(5L * REGION, 2 * REGION, true); // regions 5, 6 not streamed
            tracker.hold(40L * REGION, 1);
            tracker.release(40L * REGION, 1, true);

            RegionTracker.ResyncRegions resync = tracker.beginResync();
            assertThat(resync.regions().stream()).containsExactly(5, 6, 40);
            bitmap.awaitDurable(resync.witnessTicket());
            assertThat(tracker.hasPinnedRegions()).isFalse();
            assertThat(bitmap.snapshot().stream()).as("the witness joins them").containsExactly(0, 5, 6, 40);

            // A guest write during the resync, acknowledged: it does not end the regions' wait for the resync.
            tracker.hold(5L * REGION, 1);
            tracker.release(5L * REGION, 1, false);
            sweepTwice(tracker);
            assertThat(bitmap.snapshot().stream()).containsExactly(0, 5, 6, 40);

            tracker.syncCovered(7L * REGION, false);
            sweepTwice(tracker);
            assertThat(bitmap.snapshot().stream()).as("covered and acknowledged below region 7").containsExactly(0, 40);

            tracker.syncCovered(64L * REGION, false);
            sweepTwice(tracker);
            assertThat(bitmap.snapshot().stream()).as("the witness waits for SYNC_END").containsExactly(0);
            tracker.syncCovered(64L * REGION, true);
            sweepTwice(tracker);
            assertThat(bitmap.dirtyCount()).isZero();
        }
    }

    @Test
    void aResyncCutShortLeavesWhatItHadNotCoveredPinnedWithTheWitness() throws IOException {
        try (DirtyBitmap bitmap = DirtyBitmap.open(dir.resolve("d.dirty"), IDENTITY, 64L * REGION, REGION, pages -> { })) {
            RegionTracker tracker = perRegion(bitmap);
            tracker.hold(3L * REGION, 1);
            tracker.release(3L * REGION, 1, true);
            tracker.hold(9L * REGION, 1);
            tracker.release(9L * REGION, 1, true);
            tracker.beginResync();
            tracker.syncCovered(4L * REGION, false);
            tracker.abandonSync(); // bitmap mode again
            sweepTwice(tracker);
            assertThat(bitmap.snapshot().stream()).containsExactly(0, 9);
            assertThat(tracker.beginResync().regions().stream()).as("the next resync").containsExactly(0, 9);
        }
    }

    @Test
    void anAcknowledgedRegionWaitsUntilTheTargetAppliedItsWrites() throws IOException {
        try (DirtyBitmap bitmap = DirtyBitmap.open(dir.resolve("d.dirty"), IDENTITY, 64L * REGION, REGION, pages -> { })) {
            RegionTracker tracker = perRegion(bitmap);
            tracker.holdUntilApplied(true);
            tracker.hold(2L * REGION, 1);
            tracker.hold(3L * REGION, 1);
            tracker.hold(4L * REGION, 1);
            tracker.acknowledged(2L * REGION, 1, 10);
            tracker.acknowledged(3L * REGION, 1, 11);
            tracker.acknowledged(4L * REGION, 1, 12);
            sweepTwice(tracker);
            assertThat(bitmap.snapshot()).as("durable at the gateway, not applied").isEqualTo(bits(2, 3, 4));
            assertThat(tracker.mustStayDirty()).isEqualTo(bits(2, 3, 4));

            tracker.applied(10);
            sweepTwice(tracker);
            assertThat(bitmap.snapshot()).as("seq 10 applied").isEqualTo(bits(3, 4));

            // Written again at seq 13 and acknowledged: applying 11 and 12 no longer frees region 3.
            tracker.hold(3L * REGION, 1);
            tracker.acknowledged(3L * REGION, 1, 13);
            tracker.applied(12);
            sweepTwice(tracker);
            assertThat(bitmap.snapshot()).isEqualTo(bits(3));

            // The gateway is lost with its journal: what its target had not applied is pinned for the resync.
            tracker.pinAwaitingApplied();
            assertThat(tracker.hasPinnedRegions()).isTrue();
            tracker.applied(Long.MAX_VALUE); // acks of another journal's seqs free nothing pinned
            sweepTwice(tracker);
            assertThat(bitmap.snapshot()).isEqualTo(bits(3));
            assertThat(tracker.beginResync().regions()).isEqualTo(bits(3));
        }
    }

    @Test
    void regionsAwaitingAppliedAreBoundedInSlicesAndWaitForTheLaterSeqPastTheBound() throws IOException {
        try (DirtyBitmap bitmap = DirtyBitmap.open(dir.resolve("d.dirty"), IDENTITY, 64L * REGION, REGION, pages -> { })) {
            RegionTracker tracker = perRegion(bitmap);
            tracker.holdUntilApplied(true);
            int writes = RegionTracker.APPLIED_SLICES + 3;
            for (int i = 0; i < writes; i++) {
                tracker.hold((long) i * REGION, 1);
                tracker.acknowledged((long) i * REGION, 1, 100 + i);
            }
            // The slices before the last are exact; the last took the rest and waits for the latest seq.
            tracker.applied(100 + RegionTracker.APPLIED_SLICES - 2);
            sweepTwice(tracker);
            BitSet left = new BitSet();
            left.set(RegionTracker.APPLIED_SLICES - 1, writes);
            assertThat(bitmap.snapshot()).isEqualTo(left);
            tracker.applied(100 + writes - 2);
            sweepTwice(tracker);
            assertThat(bitmap.snapshot()).as("never freed before its seq is applied").isEqualTo(left);
            tracker.applied(100 + writes - 1);
            sweepTwice(tracker);
            assertThat(bitmap.dirtyCount()).isZero();

            // A gateway that forwards no applied seq: acknowledgements free at once, and so do the regions waiting.
            tracker.hold(0, 1);
            tracker.acknowledged(0, 1, 500);
            tracker.holdUntilApplied(false);
            sweepTwice(tracker);
            assertThat(bitmap.dirtyCount()).isZero();
        }
    }

    /**
     * These tests are about regions: an activity log of one region per extent and no limit marks exactly the regions
     * written ({@link ActivityLogTest} covers extents).
     */
    static RegionTracker perRegion(DirtyBitmap bitmap) {
        return new RegionTracker(bitmap, onePerRegion(bitmap));
    }

    static ActivityLog onePerRegion(DirtyBitmap bitmap) {
        return new ActivityLog(bitmap.regionCount(), 1, Integer.MAX_VALUE);
    }

    private static void sweepTwice(RegionTracker tracker) throws IOException {
        tracker.sweep();
        tracker.sweep();
    }

    private static BitSet bits(int... regions) {
        BitSet bits = new BitSet();
        for (int region : regions) {
            bits.set(region);
        }
        return bits;
    }
}
