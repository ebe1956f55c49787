package io.datamover.tap.bitmap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegionTrackerTest {

    private static final int REGION = 64 << 10;

    @TempDir
    Path dir;

    @Test
    void aRegionClearsOnlyAfterItsLastHolderAndAFullIdlePeriod() throws IOException {
        try (DirtyBitmap bitmap = DirtyBitmap.open(dir.resolve("d.dirty"), 64L * REGION, REGION, pages -> { })) {
            RegionTracker tracker = new RegionTracker(bitmap);
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
        try (DirtyBitmap bitmap = DirtyBitmap.open(dir.resolve("d.dirty"), 64L * REGION, REGION, pages -> { })) {
            RegionTracker tracker = new RegionTracker(bitmap);
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
        try (DirtyBitmap bitmap = DirtyBitmap.open(dir.resolve("d.dirty"), 64L * REGION, REGION, pages -> { })) {
            RegionTracker tracker = new RegionTracker(bitmap);
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
        try (DirtyBitmap bitmap = DirtyBitmap.open(file, 64L * REGION, REGION, pages -> { })) {
            bitmap.awaitDurable(bitmap.set(9, 9));
        }
        try (DirtyBitmap bitmap = DirtyBitmap.open(file, 64L * REGION, REGION, pages -> { })) {
            RegionTracker tracker = new RegionTracker(bitmap);
            assertThat(tracker.hasPinnedRegions()).isTrue();
            tracker.hold(9L * REGION, 1);
            tracker.release(9L * REGION, 1, false);
            tracker.sweep();
            tracker.sweep();
            assertThat(bitmap.isDirty(9)).isTrue();
        }
    }
}
