package io.datamover.tap.bitmap;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.disk.FileIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The activity log through {@link RegionTracker}: bitmap syncs counted on real (sparse) bitmap files. */
class ActivityLogTest {
    private static final BitmapIdentity IDENTITY = new BitmapIdentity("pair-test", 1, new FileIdentity(12, 0, 0, 0, 0));
    private static final int REGION = 64 << 10;
    private static final int MIB = 1 << 20;
    private static final int EXTENT_REGIONS = (int) (ActivityLog.EXTENT_BYTES / REGION);

    @TempDir
    Path dir;

    private final AtomicLong syncs = new AtomicLong();

    private DirtyBitmap open(Path file, long diskBytes) throws IOException {
        return DirtyBitmap.open(file, IDENTITY, diskBytes, REGION, pages -> syncs.incrementAndGet());
    }

    /** A guest write the tap acknowledged: its regions held, their dirty bits durable. */
    private record Write(long offset, int length) {
    }

    private static Write write(RegionTracker tracker, long offset, int length) throws IOException {
        tracker.bitmap().awaitDurable(tracker.hold(offset, length));
        return new Write(offset, length);
    }

    @Test
    void aSequentialStreamPaysOneSyncPerExtentNotOnePerWrite() throws IOException {
        int streamMib = 256;
        long perExtent = streamSyncs(streamMib, RegionTracker::new, "extents.dirty");
        long extentMib = ActivityLog.EXTENT_BYTES / MIB;
        assertThat(perExtent).as("1 MiB writes over %d MiB, extents of %d MiB: the stream makes two hot per sync",
                streamMib, extentMib).isLessThanOrEqualTo(streamMib / (2 * extentMib) + 2);
        long perRegion = streamSyncs(streamMib, RegionTrackerTest::perRegion, "regions.dirty");
        assertThat(perRegion).as("without the log every write enters clean regions").isEqualTo(streamMib);
    }

    /** Bitmap syncs of a stream of 1 MiB writes, each acknowledged by the gateway 16 writes later (queue depth 16). */
    private long streamSyncs(int mib, Function<DirtyBitmap, RegionTracker> tracker, String name)
            throws IOException {
        syncs.set(0);
        try (DirtyBitmap bitmap = open(dir.resolve(name), (long) mib * MIB)) {
            RegionTracker regions = tracker.apply(bitmap);
            List<Write> unacknowledged = new ArrayList<>();
            for (long offset = 0; offset < (long) mib * MIB; offset += MIB) {
                unacknowledged.add(write(regions, offset, MIB));
                if (unacknowledged.size() > 16) {
                    Write acked = unacknowledged.removeFirst();
                    regions.release(acked.offset(), acked.length(), false);
                }
            }
            return syncs.get();
        }
    }

    @Test
    void aWriteNearTheEndOfANewExtentMarksTheNextInTheSameSync() throws IOException {
        try (DirtyBitmap bitmap = open(dir.resolve("d.dirty"), 64L * MIB)) {
            RegionTracker tracker = new RegionTracker(bitmap);
            write(tracker, ActivityLog.EXTENT_BYTES - MIB, MIB); // the last MiB of extent 0
            assertThat(syncs).hasValue(1);
            assertThat(tracker.hotExtents()).isEqualTo(2);
            assertThat(bitmap.dirtyCount()).isEqualTo(2L * EXTENT_REGIONS);
            for (long offset = ActivityLog.EXTENT_BYTES; offset < 2 * ActivityLog.EXTENT_BYTES; offset += MIB) {
                assertThat(tracker.hold(offset, MIB)).as("extent 1 is already durable").isZero();
            }
            assertThat(syncs).hasValue(1);
        }
    }

    @Test
    void anIdleRegionOfAHotExtentKeepsItsBitUntilTheExtentCools() throws IOException {
        Path file = dir.resolve("d.dirty");
        try (DirtyBitmap bitmap = open(file, 64L * MIB)) {
            RegionTracker tracker = new RegionTracker(bitmap);
            write(tracker, 0, 4096);
            tracker.release(0, 4096, false);
            try (DirtyBitmap afterCrash = open(file, 64L * MIB)) {
                assertThat(afterCrash.dirtyCount()).as("a crash now resyncs the whole hot extent (the trade-off)")
                        .isEqualTo(EXTENT_REGIONS);
            }
            tracker.sweep();
            assertThat(tracker.hold(REGION, 4096)).as("same extent: no sync").isZero();
            tracker.release(REGION, 4096, false);
            tracker.sweep();
            assertThat(bitmap.isDirty(0)).as("idle a whole period, but its extent was written").isTrue();

            tracker.sweep(); // the extent was not written for a whole period: it cools
            assertThat(tracker.hotExtents()).isZero();
            assertThat(bitmap.isDirty(0)).isFalse();
            assertThat(bitmap.isDirty(2)).as("never written: starts its idle period when the extent cools").isTrue();
            tracker.sweep();
            assertThat(bitmap.dirtyCount()).isZero();
        }
    }

    @Test
    void randomWritesOverTheWholeDiskKeepTheHotExtentsWithinTheLimitAndLeaveNothingDirtyForever() throws IOException {
        long disk = 4L << 30; // 1,024 extents, four times the limit
        Random random = new Random(16);
        try (DirtyBitmap bitmap = open(dir.resolve("d.dirty"), disk)) {
            RegionTracker tracker = new RegionTracker(bitmap);
            int maxHot = 0;
            for (int i = 1; i <= 20_000; i++) {
                long offset = random.nextLong(disk / 4096) * 4096;
                write(tracker, offset, 4096);
                tracker.release(offset, 4096, false);
                maxHot = Math.max(maxHot, tracker.hotExtents());
                if (i % 2_000 == 0) {
                    tracker.sweep();
                }
            }
            assertThat(maxHot).isEqualTo(ActivityLog.HOT_EXTENT_LIMIT);
            assertThat(bitmap.dirtyCount()).as("more than the hot extents (cooled ones wait for their idle period)")
                    .isGreaterThan((long) ActivityLog.HOT_EXTENT_LIMIT * EXTENT_REGIONS);
            tracker.sweep();
            tracker.sweep();
            tracker.sweep();
            assertThat(tracker.hotExtents()).isZero();
            assertThat(bitmap.dirtyCount()).as("all clean once the writer stops").isZero();
        }
    }

    @Test
    void afterACrashTheBitmapCoversEveryAcknowledgedWriteNotReleased() throws IOException {
        long disk = 256L * MIB;
        Path file = dir.resolve("d.dirty");
        Random random = new Random(7);
        List<Write> unacknowledged = new ArrayList<>();
        List<Write> pinned = new ArrayList<>();
        DirtyBitmap crashed = open(file, disk);
        try {
            // Two hot extents at most: extents cool while writes in them are still held.
            RegionTracker tracker = new RegionTracker(crashed, new ActivityLog(crashed.regionCount(), EXTENT_REGIONS, 2));
            for (int i = 0; i < 3_000; i++) {
                int length = (1 + random.nextInt(512)) * 4096;
                long offset = random.nextLong((disk - length) / 4096 + 1) * 4096;
                unacknowledged.add(write(tracker, offset, length));
                if (random.nextInt(10) < 6) {
                    Write done = unacknowledged.remove(random.nextInt(unacknowledged.size()));
                    boolean pin = random.nextInt(50) == 0; // its record never reached the gateway
                    tracker.release(done.offset(), done.length(), pin);
                    if (pin) {
                        pinned.add(done);
                    }
                }
                if (random.nextInt(100) == 0) {
                    tracker.sweep();
                }
            }
            assertThat(unacknowledged).hasSizeGreaterThan(100);
            // Simulated crash: no close, no last flush; the file is read as it is.
            try (DirtyBitmap reopened = open(file, disk)) {
                for (Write write : concat(unacknowledged, pinned)) {
                    for (long region = write.offset() / REGION; region <= (write.offset() + write.length() - 1) / REGION;
                            region++) {
                        assertThat(reopened.isDirty(region)).as("region %d of %s", region, write).isTrue();
                    }
                }
            }
        } finally {
            crashed.close();
        }
        assertThat(Files.size(file)).isEqualTo(BitmapFile.HEADER_BYTES + disk / REGION / Byte.SIZE);
    }

    private static List<Write> concat(List<Write> a, List<Write> b) {
        List<Write> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
