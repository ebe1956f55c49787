package io.datamover.tap.bitmap;

import io.datamover.protocol.CrashPoint;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides when one disk's regions become dirty and when they may be clean again; {@link DirtyBitmap} persists
 * the decision.
 *
 * <p>A region is <em>held</em> by every intercepted write that touches it, from before the disk is written until the
 * write's record is acknowledged by the gateway (or, if the record never reached the gateway, until a resync covers
 * the region: then the region is <em>pinned</em>). A region with no holder and no pin becomes <em>idle</em>; it is
 * cleared only after staying idle across a whole retention period (two {@link #sweep()} calls), so hot regions keep
 * their bit and do not pay a bitmap sync for every burst of writes.
 *
 * <p>Regions are marked dirty a whole extent at a time ({@link ActivityLog}): a write into an extent that is not hot
 * sets every region of the extent (and of the next one, when the write ends near its end) in one bitmap sync, and
 * the writes after it into that extent wait for no sync. An idle region of a hot extent keeps its bit until the
 * extent cools (not written for a retention period, or the least recently written past the hot-extent limit); so
 * what a crash leaves dirty is the hot extents plus the regions idle for less than a retention period.
 *
 * <p>A new disk's initial sync adds a third reason to stay dirty: its allocated regions are <em>sync-pending</em> from
 * the creation of the bitmap until the gateway holds the sync records that covered them. Region 0 is the sync's
 * persistent witness: pending until the disk's SYNC_END is acknowledged, so a tap that dies before that finds a
 * dirty bit at restart and resyncs the disk (which sends the markers again) instead of leaving the replica
 * INCONSISTENT for good.
 *
 * <p>When the gateway forwards the target's applied seq ({@link #holdUntilApplied}), an acknowledgement no longer
 * lets a region go: it <em>awaits applied</em> until the target has applied the write that held it ({@link #applied}),
 * so a source gateway lost with its journal costs a resync of only the regions the target had not applied
 * ({@link #pinAwaitingApplied}). The bits stay set over the replication lag; the activity log still bounds how often
 * they are synced.
 *
 * <p>Memory: the holder map has an entry per region touched by a write in flight or not yet acknowledged (bounded by
 * the tap's in-flight limits and replication window); the four bit sets have one bit per region, and so do the at
 * most {@link #APPLIED_SLICES} slices of regions awaiting applied; the activity log one entry per hot extent (at most
 * {@link ActivityLog#HOT_EXTENT_LIMIT}).
 */
public final class RegionTracker {
    /** Slices of regions awaiting applied; past it, the newest slice takes the regions (they may wait longer). */
    static final int APPLIED_SLICES = 8;
    /** The seq for a region let go with nothing to wait for: it is idle at once. */
    private static final long NOTHING_TO_APPLY = Long.MIN_VALUE;

    private final DirtyBitmap bitmap;
    private final long regionSizeBytes;
    private final ActivityLog activityLog;
    private final Map<Long, Integer> holders = new HashMap<>();
    private final BitSet pinned = new BitSet();
    /** Regions the initial sync has not yet covered with acknowledged records. */
    private final BitSet syncPending = new BitSet();
    /** Idle since before the last sweep: cleared by the next one. */
    private BitSet idleSinceLastSweep = new BitSet();
    /** Became idle after the last sweep. */
    private BitSet idleSinceThisSweep = new BitSet();
    /** Acknowledgements let regions go only once the target applied the writes ({@link #holdUntilApplied}). */
    private boolean holdUntilApplied;
    /**
     * Regions let go by acknowledged writes, waiting for the target to apply them: oldest first, each with the highest
     * seq it waits for. A region may be in several; it is idle once the last of them is applied.
     */
    private final ArrayDeque<AppliedSlice> awaitingApplied = new ArrayDeque<>();

    /** Regions that wait until the target has applied every write up to {@code seq}. */
    private static final class AppliedSlice {
        private long seq;
        private final BitSet regions = new BitSet();

        private AppliedSlice(long seq) {
            this.seq = seq;
        }
    }

    /** Regions dirty on disk when the tap starts may hold writes the journal never got: they stay pinned. */
    public RegionTracker(DirtyBitmap bitmap) {
        this(bitmap, defaultLog(bitmap), false);
    }

    /** With an activity log of another geometry (tests: one region per extent is the plain per-region bitmap). */
    RegionTracker(DirtyBitmap bitmap, ActivityLog activityLog) {
        this(bitmap, activityLog, false);
    }

    private RegionTracker(DirtyBitmap bitmap, ActivityLog activityLog, boolean initialSync) {
        this.bitmap = bitmap;
        this.regionSizeBytes = bitmap.regionSizeBytes();
        this.activityLog = activityLog;
        (initialSync ? syncPending : pinned).or(bitmap.snapshot());
    }

    /**
     * For a disk whose bitmap was just created with its allocated regions (and region 0, the witness) set: those
     * regions wait for the initial sync rather than for a resync.
     */
    public static RegionTracker forInitialSync(DirtyBitmap bitmap) {
        return forInitialSync(bitmap, defaultLog(bitmap));
    }

    static RegionTracker forInitialSync(DirtyBitmap bitmap, ActivityLog activityLog) {
        return new RegionTracker(bitmap, activityLog, true);
    }

    private static ActivityLog defaultLog(DirtyBitmap bitmap) {
        return ActivityLog.forRegions(bitmap.regionCount(), bitmap.regionSizeBytes());
    }

    /** Extents marked dirty ahead of the writes (at most {@link ActivityLog#HOT_EXTENT_LIMIT}). */
    public synchronized int hotExtents() {
        return activityLog.hotCount();
    }

    public DirtyBitmap bitmap() {
        return bitmap;
    }

    /** True when some region of the disk is pinned and needs a resync. */
    public synchronized boolean hasPinnedRegions() {
        return !pinned.isEmpty();
    }

    /** The regions that may not be cleared now: held by a write, pinned, waiting for the sync or for applied. */
    public synchronized BitSet mustStayDirty() {
        BitSet regions = (BitSet) pinned.clone();
        regions.or(syncPending);
        holders.keySet().forEach(region -> regions.set(Math.toIntExact(region)));
        awaitingApplied.forEach(slice -> regions.or(slice.regions));
        return regions;
    }

    /**
     * From now on an acknowledgement lets a region go only once the target has applied the write ({@code hold}: the
     * gateway forwards APPLIED acks), or at once (not: a gateway that does not). Turning it off lets go every region
     * that waits.
     */
    public synchronized void holdUntilApplied(boolean hold) {
        holdUntilApplied = hold;
        if (!hold) {
            applied(Long.MAX_VALUE);
        }
    }

    /** The target has applied every write up to {@code seq}: the regions that waited only for that become idle. */
    public synchronized void applied(long seq) {
        while (!awaitingApplied.isEmpty() && awaitingApplied.peekFirst().seq <= seq) {
            BitSet done = awaitingApplied.pollFirst().regions;
            for (int region = done.nextSetBit(0); region >= 0; region = done.nextSetBit(region + 1)) {
                if (isFree(region)) {
                    idleSinceThisSweep.set(region);
                }
            }
        }
    }

    /** True while some region waits for the target to apply the write that let it go. */
    public synchronized boolean hasRegionsAwaitingApplied() {
        return !awaitingApplied.isEmpty();
    }

    /**
     * Pins every region that waits for applied, dirty in memory: the gateway that acknowledged those writes is gone
     * with its journal (a takeover), so what its target had not applied is resynced. Their bits were never cleared; set
     * again all the same.
     *
     * @return the ticket to pass to {@link DirtyBitmap#awaitDurable} to have the bits on disk
     */
    public synchronized long pinAwaitingApplied() {
        long ticket = 0;
        for (AppliedSlice slice : awaitingApplied) {
            BitSet regions = slice.regions;
            for (int from = regions.nextSetBit(0); from >= 0; from = regions.nextSetBit(regions.nextClearBit(from))) {
                ticket = Math.max(ticket, pinRegions(from, regions.nextClearBit(from) - 1));
            }
        }
        awaitingApplied.clear();
        return ticket;
    }

    /**
     * {@code region} is no longer held, pinned or waiting for the sync on account of what the gateway acknowledged up
     * to {@code seq}: idle, or waiting until the target applies {@code seq} ({@link #holdUntilApplied}).
     */
    private void letGo(int region, long seq) {
        if (holders.containsKey((long) region) || pinned.get(region) || syncPending.get(region)) {
            return; // what still holds it lets it go in turn
        }
        if (!holdUntilApplied || seq == NOTHING_TO_APPLY) {
            if (!awaitsApplied(region)) {
                idleSinceThisSweep.set(region);
            }
            return;
        }
        AppliedSlice newest = awaitingApplied.peekLast();
        if (newest == null || newest.seq < seq && awaitingApplied.size() < APPLIED_SLICES) {
            newest = new AppliedSlice(seq);
            awaitingApplied.addLast(newest);
        }
        newest.seq = Math.max(newest.seq, seq); // a full deque: the newest slice waits for the later seq
        newest.regions.set(region);
    }

    /** Neither held, pinned, waiting for the sync nor for applied: may become idle. */
    private boolean isFree(int region) {
        return !holders.containsKey((long) region) && !pinned.get(region) && !syncPending.get(region)
                && !awaitsApplied(region);
    }

    private boolean awaitsApplied(int region) {
        for (AppliedSlice slice : awaitingApplied) {
            if (slice.regions.get(region)) {
                return true;
            }
        }
        return false;
    }

    /** True while some region still waits for the initial sync (or its witness for the SYNC_END ack). */
    public synchronized boolean hasSyncPending() {
        return !syncPending.isEmpty();
    }

    /**
     * The gateway holds the sync records of every region wholly below {@code endOffset}: they stop waiting for the
     * sync. The witness (region 0) waits for {@code syncEnded}, the acknowledgement of the disk's SYNC_END, which
     * ends every wait.
     */
    public synchronized void syncCovered(long endOffset, boolean syncEnded) {
        syncCovered(endOffset, syncEnded, NOTHING_TO_APPLY);
    }

    /** As {@link #syncCovered(long, boolean)}, by the acknowledgement of {@code seq}: what is let go awaits it applied. */
    public synchronized void syncCovered(long endOffset, boolean syncEnded, long seq) {
        long covered = syncEnded ? bitmap.regionCount() : Math.min(endOffset / regionSizeBytes, bitmap.regionCount());
        int from = syncEnded ? 0 : 1;
        for (int region = syncPending.nextSetBit(from); region >= 0 && region < covered;
                region = syncPending.nextSetBit(region + 1)) {
            syncPending.clear(region);
            letGo(region, seq);
        }
    }

    /** The regions a resync copies, and the bitmap ticket that makes its witness region durable. */
    public record ResyncRegions(BitSet regions, long witnessTicket) {
    }

    /**
     * A resync after bitmap mode starts: the pinned regions stop waiting for a pin to lift and wait for the resync's
     * records instead (as the initial sync's regions do, {@link #syncCovered}); region 0 becomes the resync's witness,
     * dirty until SYNC_END is acknowledged, so a tap that dies mid-resync resyncs again at its next start.
     *
     * @return the regions to copy (the pinned ones), or null when nothing is pinned (nothing changes)
     */
    public synchronized ResyncRegions beginResync() {
        if (pinned.isEmpty()) {
            return null;
        }
        BitSet regions = (BitSet) pinned.clone();
        syncPending.or(pinned);
        pinned.clear();
        syncPending.set(0);
        idleSinceLastSweep.clear(0);
        idleSinceThisSweep.clear(0);
        return new ResyncRegions(regions, bitmap.set(0, 0));
    }

    /** The initial sync stopped (bitmap mode): what it had not covered waits for a resync, like any pinned region. */
    public synchronized void abandonSync() {
        pinned.or(syncPending);
        syncPending.clear();
    }

    /**
     * Holds the regions of {@code [offset, offset + length)} for one write and marks them dirty in memory.
     *
     * @return the ticket to pass to {@link DirtyBitmap#awaitDurable} before the write may be acknowledged
     */
    public synchronized long hold(long offset, long length) {
        long first = offset / regionSizeBytes;
        long last = lastRegion(offset, length);
        for (long region = first; region <= last; region++) {
            holders.merge(region, 1, Integer::sum);
            idleSinceLastSweep.clear((int) region);
            idleSinceThisSweep.clear((int) region);
        }
        long ticket = 0;
        for (long extent = activityLog.extentOf(first); extent <= activityLog.extentOf(last); extent++) {
            ticket = Math.max(ticket, write(extent));
        }
        ticket = Math.max(ticket, bitmap.set(first, last));
        long next = activityLog.lookahead(first, last);
        if (ticket != 0 && next >= 0) {
            // This write waits for a sync anyway: the next extent rides along, so the stream does not wait again.
            ticket = Math.max(ticket, write(next));
        }
        return ticket;
    }

    /** A write into {@code extent}: when that makes it hot, all its regions are set (one ticket for all of them). */
    private long write(long extent) {
        if (!activityLog.write(extent, this::cool)) {
            return 0;
        }
        return bitmap.set(activityLog.firstRegion(extent), activityLog.lastRegion(extent, bitmap.regionCount()));
    }

    /**
     * An extent is no longer hot: its regions that nothing holds, pins or waits for start their idle period (those
     * already idle keep theirs), and are cleared after it like any idle region.
     */
    private void cool(long extent) {
        int from = (int) activityLog.firstRegion(extent);
        int to = (int) activityLog.lastRegion(extent, bitmap.regionCount());
        for (int region = from; region <= to; region++) {
            if (isFree(region) && !idleSinceLastSweep.get(region)) {
                idleSinceThisSweep.set(region);
            }
        }
    }

    /**
     * Ends one write's hold on its regions. With {@code pin}, the regions stay dirty until {@link #unpinAll()}:
     * for writes whose record did not reach the gateway.
     */
    public synchronized void release(long offset, long length, boolean pin) {
        release(offset, length, pin, NOTHING_TO_APPLY);
    }

    /**
     * Ends the hold of the write of {@code seq}, which the gateway acknowledged: its regions are let go, and wait until
     * the target applied {@code seq} when {@link #holdUntilApplied}.
     */
    public synchronized void acknowledged(long offset, long length, long seq) {
        release(offset, length, false, seq);
    }

    private void release(long offset, long length, boolean pin, long seq) {
        long first = offset / regionSizeBytes;
        long last = lastRegion(offset, length);
        for (long region = first; region <= last; region++) {
            holders.computeIfPresent(region, (r, count) -> count == 1 ? null : count - 1);
            if (pin) {
                pinned.set((int) region);
            } else {
                letGo((int) region, seq);
            }
        }
    }

    /**
     * Pins every region, dirty in memory, for a resync of the whole disk: the gateway lost records it had acknowledged,
     * whose regions were let go on its word. Takes only this tracker's and the bitmap's locks.
     *
     * @return the ticket to pass to {@link DirtyBitmap#awaitDurable} to have the bits on disk
     */
    public synchronized long pinAll() {
        int regions = (int) bitmap.regionCount();
        return regions == 0 ? 0 : pinRegions(0, regions - 1);
    }

    /**
     * Pins the regions of {@code [offset, offset + length)} (clipped to the disk), dirty in memory, for a resync of
     * them: an operator discarded what the replica holds there. Takes only this tracker's and the bitmap's locks.
     *
     * @return the ticket to pass to {@link DirtyBitmap#awaitDurable} to have the bits on disk
     */
    public synchronized long pin(long offset, long length) {
        long regions = bitmap.regionCount();
        long first = offset / regionSizeBytes;
        if (length <= 0 || first >= regions) {
            return 0;
        }
        return pinRegions((int) first, (int) Math.min(regions - 1, lastRegion(offset, length)));
    }

    private long pinRegions(int first, int last) {
        pinned.set(first, last + 1);
        idleSinceLastSweep.clear(first, last + 1);
        idleSinceThisSweep.clear(first, last + 1);
        return bitmap.set(first, last);
    }

    /** Lifts every pin (the gateway has everything the pinned regions were waiting for); they age out as idle. */
    public synchronized void unpinAll() {
        unpinAll(NOTHING_TO_APPLY);
    }

    /** As {@link #unpinAll()}, by the acknowledgement of {@code seq}: what is let go awaits it applied. */
    public synchronized void unpinAll(long seq) {
        BitSet lifted = (BitSet) pinned.clone();
        pinned.clear();
        for (int region = lifted.nextSetBit(0); region >= 0; region = lifted.nextSetBit(region + 1)) {
            letGo(region, seq);
        }
    }

    /**
     * Cools the extents not written for a whole period, clears the regions idle for a whole period outside hot
     * extents, then persists lazily. Called once per retention period; the
     * clear costs one bitmap sync per sweep at most, never one per write.
     */
    public void sweep() throws IOException {
        boolean cleared = false;
        synchronized (this) {
            activityLog.sweep().forEach(this::cool);
            BitSet expired = idleSinceLastSweep;
            for (int region = expired.nextSetBit(0); region >= 0; region = expired.nextSetBit(region + 1)) {
                if (activityLog.isHot(activityLog.extentOf(region))) {
                    // Idle but in a hot extent: kept, and cleared by the first sweep after the extent cools.
                    idleSinceThisSweep.set(region);
                } else {
                    bitmap.clear(region);
                    cleared = true;
                }
            }
            expired.clear();
            idleSinceLastSweep = idleSinceThisSweep;
            idleSinceThisSweep = expired;
        }
        bitmap.flush();
        if (cleared) {
            CrashPoint.reached(CrashPoint.Point.TAP_DIRTY_CLEARED);
        }
    }

    /**
     * Clears every idle region at once, retention or not, and persists: for a clean shutdown, so that
     * writes the gateway acknowledged do not look unreplicated at the next start.
     */
    public void clearIdleNow() throws IOException {
        synchronized (this) {
            activityLog.coolAll().forEach(this::cool);
            for (BitSet idle : List.of(idleSinceLastSweep, idleSinceThisSweep)) {
                for (int region = idle.nextSetBit(0); region >= 0; region = idle.nextSetBit(region + 1)) {
                    bitmap.clear(region);
                }
                idle.clear();
            }
        }
        bitmap.flush();
    }

    private long lastRegion(long offset, long length) {
        if (offset < 0 || length <= 0 || (offset + length - 1) / regionSizeBytes >= bitmap.regionCount()) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " outside the disk");
        }
        return (offset + length - 1) / regionSizeBytes;
    }
}
