package io.datamover.tap.bitmap;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Which extents of one disk are <em>hot</em>: marked dirty in the bitmap as a whole, ahead of the writes that need
 * them, as DRBD's activity log does ({@code drbd_actlog.c}). An extent is many regions (4 MiB by default, 64 regions
 * of 64 KiB), so a sequential guest pays one bitmap sync per extent it enters at most (one per two, moving
 * forward), not one per clean region it writes; a write into a hot extent never waits for the bitmap.
 *
 * <p>Bounded: at most {@code limit} extents are hot; making one more hot cools the least recently written. An extent
 * not written for a whole retention period (between two sweeps) cools too. A cool extent's regions are cleared like
 * any idle region, so a random writer over the whole disk leaves at most {@code limit} extents dirty on their own
 * account, plus what the last retention period let go. The cost of the bound is the DRBD trade-off: after a crash
 * every hot extent is resynced whole, up to {@code limit * extentBytes} more than the guest wrote.
 *
 * <p>Policy only, no I/O: {@link RegionTracker} sets and clears the bits, under its own lock (this class is not
 * thread-safe on its own).
 */
final class ActivityLog {
    /**
     * Extent size: big enough that a sequential stream pays one bitmap sync per several MiB (a 1 MiB write into a new
     * extent at queue depth 16 covers the writes behind it), small enough that a crash resyncs little more than what
     * was written. DRBD's activity-log extent is 4 MiB too.
     */
    static final long EXTENT_BYTES = 4L << 20;
    /**
     * At most this many hot extents (1 GiB with 4 MiB extents): the most a crash adds to the resync on their account.
     * DRBD's default (al-extents 1237) is about 4.8 GiB; ours is smaller because a cooled extent's regions stay
     * dirty for one more retention period anyway.
     */
    static final int HOT_EXTENT_LIMIT = 256;
    /**
     * A write that makes an extent hot and ends within this fraction of the extent's end (the last quarter) makes the
     * next extent hot too, in the same sync: a write that crosses the boundary soon does not wait again.
     */
    private static final int LOOKAHEAD_DIVISOR = 4;

    private final long regionsPerExtent;
    /** Grows with the disk ({@link #grow}). */
    private long extentCount;
    private final int limit;
    /** Hot extent to the sweep generation of its last write, least recently written first. */
    private final LinkedHashMap<Long, Long> hot = new LinkedHashMap<>(16, 0.75f, true);
    private long generation;

    /**
     * @param regionCount regions of the disk
     * @param regionsPerExtent regions per extent, at least 1 (1 turns the log into the plain per-region bitmap)
     * @param limit most hot extents, at least 1
     */
    ActivityLog(long regionCount, long regionsPerExtent, int limit) {
        if (regionsPerExtent < 1 || limit < 1) {
            throw new IllegalArgumentException("regionsPerExtent and limit must be at least 1: " + regionsPerExtent
                    + ", " + limit);
        }
        this.regionsPerExtent = regionsPerExtent;
        this.extentCount = (regionCount + regionsPerExtent - 1) / regionsPerExtent;
        this.limit = limit;
    }

    /** The default log of a disk with regions of {@code regionSizeBytes}: extents of {@link #EXTENT_BYTES}. */
    static ActivityLog forRegions(long regionCount, int regionSizeBytes) {
        return new ActivityLog(regionCount, Math.max(1, EXTENT_BYTES / regionSizeBytes), HOT_EXTENT_LIMIT);
    }

    /** The disk grew to {@code regionCount} regions: the new extents may be looked ahead into. */
    void grow(long regionCount) {
        extentCount = Math.max(extentCount, (regionCount + regionsPerExtent - 1) / regionsPerExtent);
    }

    long extentOf(long region) {
        return region / regionsPerExtent;
    }

    long firstRegion(long extent) {
        return extent * regionsPerExtent;
    }

    /** The extent's last region; the disk's last for its last, shorter extent. */
    long lastRegion(long extent, long regionCount) {
        return Math.min(regionCount, (extent + 1) * regionsPerExtent) - 1;
    }

    boolean isHot(long extent) {
        return hot.containsKey(extent);
    }

    int hotCount() {
        return hot.size();
    }

    /**
     * Records a write into {@code extent}: keeps it hot, or makes it hot.
     *
     * @param cooled told each extent this cools to stay within the limit
     * @return true when the extent was not hot (the caller marks all its regions dirty)
     */
    boolean write(long extent, LongConsumer cooled) {
        boolean heated = hot.put(extent, generation) == null;
        if (heated && hot.size() > limit) {
            Iterator<Map.Entry<Long, Long>> eldest = hot.entrySet().iterator();
            long victim = eldest.next().getKey();
            eldest.remove();
            cooled.accept(victim);
        }
        return heated;
    }

    /**
     * The extent to make hot along with a write of regions {@code [firstRegion, lastRegion]} that waits for a sync
     * anyway: the one after the write's last extent, when the write ends in the last quarter of its extent, or when
     * the extent before the write's is hot (a stream moving forward: it pays one sync per two extents); else -1.
     */
    long lookahead(long firstRegion, long lastRegion) {
        long extent = extentOf(lastRegion);
        if (regionsPerExtent == 1 || extent + 1 >= extentCount) {
            return -1;
        }
        long tail = Math.max(1, regionsPerExtent / LOOKAHEAD_DIVISOR);
        boolean nearEnd = lastRegion >= firstRegion(extent + 1) - tail;
        long before = extentOf(firstRegion) - 1;
        boolean streaming = before >= 0 && isHot(before);
        return nearEnd || streaming ? extent + 1 : -1;
    }

    /**
     * A sweep: cools every extent not written since the previous sweep (a whole retention period) and starts the
     * next period.
     *
     * @return the extents cooled
     */
    List<Long> sweep() {
        List<Long> cooled = new ArrayList<>();
        for (Iterator<Map.Entry<Long, Long>> it = hot.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Long> extent = it.next();
            if (extent.getValue() < generation) {
                cooled.add(extent.getKey());
                it.remove();
            }
        }
        generation++;
        return cooled;
    }

    /** Cools every extent (a clean shutdown): returns them. */
    List<Long> coolAll() {
        List<Long> cooled = new ArrayList<>(hot.keySet());
        hot.clear();
        return cooled;
    }
}
