package io.datamover.tap.replication;

import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.WriteRecord;
import io.datamover.tap.bitmap.RegionTracker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disks of one tap and the order of their writes: gives every write its seq, hands completed writes to the
 * {@link ReplicationSink} strictly in seq order, tracks the records the sink holds until the gateway acknowledges
 * them, and falls back to bitmap mode when the sink cannot take more.
 *
 * <p>Writes complete out of order on the I/O threads; a completed write waits in a reorder buffer until every
 * earlier seq is handed off. Who hands off: the completing thread, until {@link #handOffBy} names an owner (the
 * tap's stream owner), which from then on is woken when the next write in seq order is ready and hands off on its
 * own thread ({@link #handOffReady}), so the I/O threads never call the sink. That buffer is the owner's queue,
 * bounded in bytes by {@code maxPendingHandoffBytes}: a write takes its share before it gets a seq and gives it back
 * once handed off, so the buffer can never wait for a write that could not start. A guest write that finds no share
 * left does not wait and does not grow the buffer: the group goes to bitmap mode (the owner lags or the writes ahead
 * of it are stuck) and the write keeps only its dirty regions. The syncers' reads and markers wait for their share,
 * for room in the window and for the ack of their last SYNC_END on futures this group completes as the owner hands
 * off and applies acks, or as the mode changes ({@link #whenReplicationRoom}, {@link #whenAcknowledged}): no polling.
 *
 * <p>The initial sync of new disks runs through the same order: {@link #startResync} (STREAMING to RESYNCING), a
 * {@link #marker} SYNC_BEGIN per disk, ordered {@link #beginSyncRead sync reads} that take seqs like writes,
 * {@link #syncCovered} checkpoints that let acknowledgements end the regions' wait for the sync, a SYNC_END marker,
 * and {@link #endResync}. Falling to BITMAP mode abandons the sync: what it had not covered stays dirty, pinned
 * for a resync.
 *
 * <p>The resync after bitmap mode uses the same order, entered in two steps on the stream owner: the records
 * ordered in BITMAP mode were never sent, so the gateway holds the stream only up to its resume point. {@link
 * #beginDrain} stops new writes from taking seqs; the owner hands off the seqs given out (those writes are dirty and
 * not streamed) and, on the hand-off that leaves none ({@link #drained}), {@link #finishDrain} re-bases the next seq
 * on the sink's restart point, moves to RESYNCING and orders the SYNC_BEGIN of every disk with pinned regions before
 * any write can take a seq: so no write is streamed with a stale seq, the stream stays gap-free at the gateway, and
 * no write reaches a replica disk before it is marked INCONSISTENT. Nothing waits for the drain. The pinned regions then wait for the resync's records ({@link RegionTracker#beginResync}), as the
 * initial sync's do, with region 0 as the witness until SYNC_END is acknowledged.
 */
public final class ConsistencyGroup {

    private static final Logger LOG = LoggerFactory.getLogger(ConsistencyGroup.class);
    private static final long NO_PIN = -1;

    private final long id;
    /** The id as the wire carries it (u32). */
    private final int wireId;
    private final List<RegionTracker> disks;
    private final ReplicationSink sink;
    private final InstantSource clock;
    private final WriteSequencer sequencer;
    /** Which guest writes may start (a planned migration holds them, then moves them elsewhere). */
    private final WriteAdmission admission;
    /**
     * The hand-off queue: payload bytes (1 per record without one) of writes begun and not handed off yet, at most
     * {@code maxPendingHandoffBytes}. Taken lock-free by a guest write (never waiting); freed by the hand-off.
     */
    private final AtomicLong queuedBytes = new AtomicLong();
    private final int maxPendingHandoffBytes;
    private final int windowRecords;
    private final Counter handedOff;
    private final Counter refused;
    private final Counter queueOverflows;
    private final MeterRegistry registry;
    private final List<Gauge> gauges;

    // Guarded by this.
    private final Map<Long, OrderedWrite> completedOutOfOrder = new HashMap<>();
    private final ArrayDeque<OrderedWrite> unacknowledged;
    /** The syncers' waits for room and for an ack, completed by {@link #signalSyncWaits}. */
    private final List<QueueWait> queueWaits = new ArrayList<>();
    private final List<RoomWait> roomWaits = new ArrayList<>();
    private final List<AckWait> ackWaits = new ArrayList<>();
    /** Sync progress waiting for acknowledgement; at most one per unacknowledged seq. */
    private final ArrayDeque<SyncCheckpoint> syncCheckpoints = new ArrayDeque<>();
    private long unacknowledgedPayloadBytes;
    private long nextToHandOff;
    private long acknowledgedUpTo;
    private long pinnedUpToSeq;
    /** True from {@link #beginDrain} to {@link #finishDrain} or {@link #cancelDrain}: new writes wait for a seq. */
    private boolean draining;
    /** Written under the lock; volatile so writes, the syncer and the gauges read it without the lock. */
    private volatile ReplicationMode mode;
    /** How many times the group entered STREAMING: an online verify's reads in one stretch of it see the same count. */
    private volatile long streamingStretch;
    /** Told when the group goes to bitmap mode; see {@link #onBitmapMode}. */
    private volatile Runnable bitmapListener = () -> { };
    /** Woken when the next write in seq order is ready; null: the completing thread hands off ({@link #handOffBy}). */
    private volatile Runnable handOffOwner;

    /**
     * @param disks one tracker per disk, by disk index
     * @param firstSeq the seq of the first write
     * @param maxPendingHandoffBytes bound of the reorder buffer; at least the largest write
     * @param windowRecords records the sink may hold unacknowledged before the group goes to bitmap mode
     */
    public ConsistencyGroup(long id, List<RegionTracker> disks, ReplicationSink sink, InstantSource clock, long firstSeq,
            int maxPendingHandoffBytes, int windowRecords, MeterRegistry registry) {
        if (id < 0 || id > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("consistency group id must fit in 32 unsigned bits: " + id);
        }
        this.id = id;
        this.wireId = (int) id;
        this.disks = List.copyOf(disks);
        this.sink = sink;
        this.clock = clock;
        this.sequencer = new WriteSequencer(firstSeq);
        this.admission = new WriteAdmission(id, System::nanoTime);
        this.maxPendingHandoffBytes = maxPendingHandoffBytes;
        this.windowRecords = windowRecords;
        this.unacknowledged = new ArrayDeque<>(Math.min(windowRecords, 1024));
        this.nextToHandOff = firstSeq;
        this.acknowledgedUpTo = firstSeq - 1;
        boolean dirtyAtStart = this.disks.stream().anyMatch(RegionTracker::hasPinnedRegions);
        // Regions dirty from a previous run may hold writes the gateway never got: only a resync may clear them,
        // and streaming on top of them would not give the replica a consistent prefix.
        this.pinnedUpToSeq = dirtyAtStart ? Long.MAX_VALUE : NO_PIN;
        this.mode = dirtyAtStart ? ReplicationMode.BITMAP : ReplicationMode.STREAMING;
        if (dirtyAtStart) {
            // No initial sync can run before the resync: a new disk's regions wait for that resync too.
            this.disks.forEach(RegionTracker::abandonSync);
        }
        Tags tags = Tags.of("cg", Long.toString(id));
        this.handedOff = registry.counter("datamover.tap.records.handed.off", tags);
        this.refused = registry.counter("datamover.tap.records.not.streamed", tags);
        this.queueOverflows = registry.counter("datamover.tap.handoff.queue.overflows", tags);
        this.registry = registry;
        this.gauges = List.of(
                Gauge.builder("datamover.tap.replication.bitmap.mode", this, cg -> cg.mode() == ReplicationMode.BITMAP ? 1 : 0)
                        .tags(tags).register(registry),
                Gauge.builder("datamover.tap.replication.resyncing", this,
                        cg -> cg.mode() == ReplicationMode.RESYNCING ? 1 : 0).tags(tags).register(registry),
                Gauge.builder("datamover.tap.records.unacknowledged", this, ConsistencyGroup::unacknowledgedCount)
                        .tags(tags).register(registry),
                Gauge.builder("datamover.tap.handoff.queue.bytes", this, ConsistencyGroup::pendingHandOffBytes)
                        .tags(tags).register(registry));
    }

    /**
     * {@code listener} is told, from now on, whenever the group goes to bitmap mode: on the thread that moved it, with
     * the group's lock held, so it must not block nor call back into the group (post an event to its owner).
     */
    public void onBitmapMode(Runnable listener) {
        this.bitmapListener = listener;
    }

    /**
     * From now on the records are handed to the sink by an owner thread, not by the thread that completes a write:
     * {@code wakeOwner} is told when the next write in seq order has completed, and the owner then calls
     * {@link #handOffReady} on its thread. It is told after the group's lock is released, unless the completing
     * thread holds it anyway (a resync's markers): it must not block nor call back into the group.
     */
    public void handOffBy(Runnable wakeOwner) {
        this.handOffOwner = wakeOwner;
    }

    /** The gate guest writes pass before they take a seq (a planned migration's hold and hand-off). */
    public WriteAdmission admission() {
        return admission;
    }

    /** Removes the gauges that observe this group, so a restarted tap can register its own. */
    public void unregisterMetrics() {
        gauges.forEach(registry::remove);
    }

    public long id() {
        return id;
    }

    public ReplicationMode mode() {
        return mode;
    }

    /**
     * Which stretch of STREAMING the group is in (it counts the entries into STREAMING): two reads that see the group
     * STREAMING with the same stretch saw no resync and no bitmap mode in between.
     */
    public long streamingStretch() {
        return streamingStretch;
    }

    /**
     * The last seq given to a write, or {@code firstSeq - 1}. Under the group's lock, so a reader never sees a resync's
     * re-base half done: between the re-base and its SYNC_BEGINs the last seq is the gateway's resume point, which a
     * replica that applied it (still UP_TO_DATE, the refused writes not copied yet) would seem to have caught up to.
     */
    public synchronized long lastSeq() {
        return sequencer.lastAssigned();
    }

    public synchronized int unacknowledgedCount() {
        return unacknowledged.size();
    }

    /** Bytes of the hand-off queue (the reorder buffer) taken by writes not yet handed off; at most its bound. */
    public long pendingHandOffBytes() {
        return queuedBytes.get();
    }

    /** Takes {@code bytes} of the hand-off queue when they fit; never waits. */
    private boolean tryQueue(int bytes) {
        long queued;
        do {
            queued = queuedBytes.get();
            if (queued + bytes > maxPendingHandoffBytes) {
                return false;
            }
        } while (!queuedBytes.compareAndSet(queued, queued + bytes));
        return true;
    }

    /** True when every seq given out so far has been handed off (to the sink, or kept dirty). */
    public synchronized boolean allHandedOff() {
        return notHandedOff() == 0;
    }

    /** Seqs given out and not handed off yet: in flight, or completed and waiting for the owner. Holds the lock. */
    private long notHandedOff() {
        return sequencer.lastAssigned() - nextToHandOff + 1;
    }

    /**
     * Orders a guest's write: takes its share of the hand-off queue, the next seq, and waits until earlier
     * overlapping writes are on disk. Never waits for the queue: with no share left the group goes to bitmap mode and
     * the write is kept dirty, not streamed. The caller must then call {@link OrderedWrite#markDirty()}, write the
     * disk, reply, and always end with {@link OrderedWrite#complete}.
     */
    public OrderedWrite begin(int disk, RecordKind kind, long offset, int length, boolean fua) {
        int budget = budgetOf(kind, length);
        boolean queued = tryQueue(budget);
        if (!queued) {
            queueFull(budget);
        }
        return order(disk, kind, offset, length, fua, queued ? budget : 0, !queued, true);
    }

    /**
     * As a guest's write, but waits for its share of the hand-off queue: for the syncers, which are not guests. The
     * wait is for the owner's hand-off that frees the share ({@link #whenQueueRoom}), not a poll.
     */
    private OrderedWrite beginWaiting(int disk, RecordKind kind, long offset, int length) {
        int budget = budgetOf(kind, length);
        while (!tryQueue(budget)) {
            whenQueueRoom(budget).join();
        }
        return order(disk, kind, offset, length, false, budget, false, false);
    }

    /** Completes once {@code bytes} fit in the hand-off queue (they may be taken by a guest first: try again). */
    private synchronized CompletableFuture<Void> whenQueueRoom(int bytes) {
        CompletableFuture<Void> room = new CompletableFuture<>();
        queueWaits.add(new QueueWait(bytes, room));
        signalSyncWaits();
        return room;
    }

    private OrderedWrite order(int disk, RecordKind kind, long offset, int length, boolean fua, int budget,
            boolean keptDirtyOnly, boolean changesDisk) {
        WriteSequencer.InFlightWrite slot = sequencer.begin(disk, offset, length, changesDisk);
        OrderedWrite write = new OrderedWrite(slot, disks.get(disk), kind, budget, micros(clock.instant()), fua);
        write.notStreamed = keptDirtyOnly;
        return write;
    }

    private static int budgetOf(RecordKind kind, int length) {
        return kind.hasPayload() ? length : 1;
    }

    /** A guest write found no room in the hand-off queue: bitmap mode, so the guest neither waits nor grows it. */
    private synchronized void queueFull(int budget) {
        queueOverflows.increment();
        moveTo(ReplicationMode.Event.NOT_STREAMED, "the hand-off queue is full (" + pendingHandOffBytes() + " of "
                + maxPendingHandoffBytes + " bytes wait to be handed off; a write of " + budget + " bytes)");
    }

    /**
     * Orders a sync read of {@code [offset, offset + length)} as if it were a DATA write of those bytes: it takes a
     * seq, waits for earlier overlapping writes in flight, and later overlapping writes wait for it. The caller
     * holds the regions ({@link OrderedWrite#markDirty()}), reads the range from the local disk and completes with
     * the bytes read, which become a DATA record in seq order.
     */
    public OrderedWrite beginSyncRead(int disk, long offset, int length) {
        return beginWaiting(disk, RecordKind.DATA, offset, length);
    }

    /**
     * Begins a sync's unordered read (a peek) of {@code [offset, offset + length)}: call before reading. A later
     * {@link #beginSyncRead} inside the range may send the peeked bytes instead of reading again when {@link
     * Peek#unchangedSinceRead} says so after it took its seq. Close it once the range's ordered reads are done.
     */
    public Peek peek(int disk, long offset, int length) {
        return new Peek(sequencer.watch(disk, offset, offset + length));
    }

    /** A range a sync read unordered: whether the bytes read are still the disk's (the seq order tells). */
    public final class Peek implements AutoCloseable {
        private final WriteSequencer.Watch watch;

        private Peek(WriteSequencer.Watch watch) {
            this.watch = watch;
        }

        /**
         * Asked after an ordered sync read inside the range took its seq (and before it completes): true when no
         * guest write changed the range between the peek and that seq, so the peeked bytes are the disk's there.
         */
        public boolean unchangedSinceRead() {
            return !sequencer.changed(watch);
        }

        @Override
        public void close() {
            sequencer.unwatch(watch);
        }
    }

    /**
     * Orders a resync's zeroing of {@code [offset, offset + length)} (a hole of the local disk) like a ZERO write: the
     * caller holds the regions, checks under this order that the range is still a hole, and completes with an empty
     * buffer; the record tells the replica to zero the range.
     */
    public OrderedWrite beginSyncZero(int disk, long offset, int length) {
        return beginWaiting(disk, RecordKind.ZERO, offset, length);
    }

    /**
     * Sends a SYNC_BEGIN or SYNC_END marker for {@code disk}: it takes the next seq and is handed off in order.
     *
     * @return its seq
     */
    public long marker(int disk, RecordKind kind) {
        if (!kind.isMarker()) {
            throw new IllegalArgumentException(kind + " is not a marker");
        }
        OrderedWrite marker = beginWaiting(disk, kind, 0, 0); // an empty range overlaps nothing
        marker.complete(true, Unpooled.EMPTY_BUFFER);
        return marker.seq();
    }

    /** What a resync after bitmap mode copies: the disks with pinned regions, whose SYNC_BEGIN is already ordered. */
    public record ResyncStart(long firstSeq, List<ResyncDisk> disks) {
    }

    /** One disk of a resync: the regions to copy and the bitmap ticket of its witness (region 0). */
    public record ResyncDisk(int disk, BitSet regions, long witnessTicket, long syncBeginSeq) {
    }

    /**
     * First step of the resync after bitmap mode, on the stream owner: new writes wait before they take a seq (until
     * {@link #finishDrain} or {@link #cancelDrain}) while the seqs already given out are handed off. No wait here: the
     * owner learns that the drain is over from its hand-off event ({@link #drained}).
     *
     * @return false, changing nothing, when the group is not in BITMAP or a drain is under way
     */
    public synchronized boolean beginDrain() {
        if (mode != ReplicationMode.BITMAP || draining) {
            return false;
        }
        draining = true;
        sequencer.pause();
        return true;
    }

    /** True when a drain is under way and every seq given out is handed off: {@link #finishDrain} may run. */
    public synchronized boolean drained() {
        return draining && notHandedOff() == 0;
    }

    /**
     * Ends a drain without a resync (the owner gives up, or the tap closes): the writes waiting for a seq go on.
     * Idempotent.
     */
    public synchronized void cancelDrain() {
        if (draining) {
            draining = false;
            sequencer.resume();
        }
    }

    /**
     * BITMAP to RESYNCING once {@link #drained}: asks the sink to take records again, re-bases the next seq on the seq
     * it expects, moves to RESYNCING and orders a SYNC_BEGIN for every disk with pinned regions, then lets the writes
     * waiting for a seq go on. Ends the drain in every case.
     *
     * @param restartStream makes the sink take records again and returns the seq the next one must carry, or a value
     *        below 1 when it cannot (not connected); called with the group's lock held and no write in flight
     * @return the resync to run; null, changing nothing else, when the group left BITMAP during the drain or the sink
     *         cannot restart
     * @throws IllegalStateException when no drain is under way or it is not over
     */
    public synchronized ResyncStart finishDrain(LongSupplier restartStream) {
        if (!drained()) {
            throw new IllegalStateException("consistency group " + id + ": no drain over to finish (draining "
                    + draining + ", " + notHandedOff() + " seqs not handed off)");
        }
        try {
            if (mode != ReplicationMode.BITMAP) {
                return null;
            }
            long next = restartStream.getAsLong();
            if (next < 1) {
                return null;
            }
            long stale = nextToHandOff;
            rebase(next);
            List<ResyncDisk> resync = new ArrayList<>();
            List<RegionTracker.ResyncRegions> regions = disks.stream().map(RegionTracker::beginResync).toList();
            moveTo(ReplicationMode.Event.RESYNC_STARTED, "resync of the dirty regions, seqs re-based from "
                    + stale + " to " + next);
            for (int disk = 0; disk < disks.size(); disk++) {
                RegionTracker.ResyncRegions r = regions.get(disk);
                if (r != null) {
                    resync.add(new ResyncDisk(disk, r.regions(), r.witnessTicket(), markerWhilePaused(disk)));
                }
            }
            return new ResyncStart(next, List.copyOf(resync));
        } finally {
            cancelDrain();
        }
    }

    /**
     * The stream continues at {@code next}: records handed off at or after it never reached the sink's stream (the
     * gateway lost them), so their regions are pinned like any write that was not streamed. Holds the lock, with
     * nothing in flight.
     */
    private void rebase(long next) {
        while (!unacknowledged.isEmpty() && unacknowledged.peekLast().seq() >= next) {
            OrderedWrite lost = unacknowledged.pollLast();
            unacknowledgedPayloadBytes -= lost.payloadBytes();
            if (lost.held) {
                lost.tracker.release(lost.offset(), lost.length(), true);
            }
        }
        sequencer.rebase(next);
        nextToHandOff = next;
        acknowledgedUpTo = Math.min(acknowledgedUpTo, next - 1);
        pinnedUpToSeq = NO_PIN; // the pins become the resync's regions
    }

    /** A SYNC_BEGIN taken while the sequencer is paused: the first records of a resync. Holds the lock. */
    private long markerWhilePaused(int disk) {
        WriteSequencer.InFlightWrite slot = sequencer.beginWhilePaused(disk);
        // No budget: it is handed off at once, and the writes waiting for the pause may hold the whole budget.
        OrderedWrite marker = new OrderedWrite(slot, disks.get(disk), RecordKind.SYNC_BEGIN, 0, micros(clock.instant()),
                false);
        marker.complete(true, Unpooled.EMPTY_BUFFER);
        return marker.seq();
    }

    /**
     * Completes with true once the gateway acknowledged {@code seq} (the owner applies the ack), or with false once the
     * group leaves RESYNCING first: a resync waits on it for its last SYNC_END, without polling.
     */
    public synchronized CompletableFuture<Boolean> whenAcknowledged(long seq) {
        CompletableFuture<Boolean> acknowledged = new CompletableFuture<>();
        ackWaits.add(new AckWait(seq, acknowledged));
        signalSyncWaits();
        return acknowledged;
    }

    /**
     * STREAMING to RESYNCING, for the initial sync.
     *
     * @return false, changing nothing, when the group is not STREAMING (in bitmap mode no sync can run)
     */
    public synchronized boolean startResync(String reason) {
        return moveTo(ReplicationMode.Event.INITIAL_SYNC_STARTED, reason);
    }

    /** RESYNCING back to STREAMING once the syncer sent its last SYNC_END; nothing in any other mode. */
    public synchronized void endResync(String reason) {
        moveTo(ReplicationMode.Event.SYNC_ENDED, reason);
    }

    /**
     * The syncer has sent every record of {@code disk} below {@code endOffset} (every seq so far): once the gateway
     * acknowledges them, those regions stop waiting for the sync; with {@code syncEnded} (after SYNC_END), all of
     * the disk's do. Ignored in bitmap mode, where the sync was abandoned.
     */
    public synchronized void syncCovered(int disk, long endOffset, boolean syncEnded) {
        if (!mode.streams()) {
            return;
        }
        long seq = sequencer.lastAssigned();
        SyncCheckpoint last = syncCheckpoints.peekLast();
        if (last != null && last.seq == seq && last.disk == disk && !last.syncEnded) {
            syncCheckpoints.pollLast(); // nothing sent since: the newer checkpoint says more
        }
        syncCheckpoints.addLast(new SyncCheckpoint(seq, disk, endOffset, syncEnded));
        releaseSyncCheckpoints();
    }

    /**
     * Completes with true once the records not yet acknowledged, those the sink holds and those still waiting for the
     * owner to hand them off, are at most {@code maxPayloadBytes} of payload and half the replication window, so a
     * syncer leaves room for the guests' writes; with false once the group stops streaming first. Completed by the
     * owner's hand-offs and acks (or a mode change), so a syncer waits on it without polling.
     */
    public synchronized CompletableFuture<Boolean> whenReplicationRoom(long maxPayloadBytes) {
        CompletableFuture<Boolean> room = new CompletableFuture<>();
        roomWaits.add(new RoomWait(maxPayloadBytes, room));
        signalSyncWaits();
        return room;
    }

    private boolean hasRoom(long maxPayloadBytes) {
        return unacknowledgedPayloadBytes + pendingHandOffBytes() <= maxPayloadBytes
                && unacknowledged.size() + notHandedOff() <= windowRecords / 2;
    }

    /**
     * Completes the syncers' waits that the last change answered: after a hand-off, an ack, a mode change. Holds the
     * lock; a wait its syncer gave up (stopped) is dropped. At most one wait per syncer thread is ever kept.
     */
    private void signalSyncWaits() {
        queueWaits.removeIf(this::answered);
        roomWaits.removeIf(this::answered);
        ackWaits.removeIf(this::answered);
    }

    /** True, completing it, when the hand-off queue has room for {@code wait}. */
    private boolean answered(QueueWait wait) {
        if (queuedBytes.get() + wait.bytes() > maxPendingHandoffBytes) {
            return false;
        }
        wait.room().complete(null);
        return true;
    }

    /** True, completing it, when {@code wait} is answered (room, or no longer streaming) or was given up. */
    private boolean answered(RoomWait wait) {
        if (!wait.room().isDone() && mode.streams() && !hasRoom(wait.maxPayloadBytes())) {
            return false;
        }
        wait.room().complete(mode.streams());
        return true;
    }

    /** True, completing it, when {@code wait} is answered (acknowledged, or no longer resyncing) or was given up. */
    private boolean answered(AckWait wait) {
        boolean acknowledged = acknowledgedUpTo >= wait.seq();
        if (!wait.acknowledged().isDone() && !acknowledged && mode == ReplicationMode.RESYNCING) {
            return false;
        }
        wait.acknowledged().complete(acknowledged);
        return true;
    }

    /** A syncer waiting for its share of the hand-off queue. */
    private record QueueWait(int bytes, CompletableFuture<Void> room) {
    }

    /** A syncer waiting for room in the window. */
    private record RoomWait(long maxPayloadBytes, CompletableFuture<Boolean> room) {
    }

    /** A resync waiting for the ack of its last SYNC_END. */
    private record AckWait(long seq, CompletableFuture<Boolean> acknowledged) {
    }

    private void releaseSyncCheckpoints() {
        while (!syncCheckpoints.isEmpty() && syncCheckpoints.peekFirst().seq <= acknowledgedUpTo) {
            SyncCheckpoint done = syncCheckpoints.pollFirst();
            disks.get(done.disk).syncCovered(done.endOffset, done.syncEnded, done.seq);
        }
    }

    /**
     * The gateway holds every record up to {@code upToSeq} durably: their regions may become clean once no later
     * write holds them. Repeated or older acknowledgements are ignored.
     *
     * @throws IllegalArgumentException for a seq that was not handed off yet
     */
    public synchronized void acknowledge(long upToSeq) {
        if (upToSeq >= nextToHandOff) {
            throw new IllegalArgumentException("cannot acknowledge seq " + upToSeq + " of consistency group " + id
                    + ": only seqs below " + nextToHandOff + " were handed off");
        }
        if (upToSeq <= acknowledgedUpTo) {
            return;
        }
        while (!unacknowledged.isEmpty() && unacknowledged.peekFirst().seq() <= upToSeq) {
            OrderedWrite write = unacknowledged.pollFirst();
            unacknowledgedPayloadBytes -= write.payloadBytes();
            if (write.held) {
                write.tracker.acknowledged(write.offset(), write.length(), write.seq());
            }
        }
        acknowledgedUpTo = upToSeq;
        releaseSyncCheckpoints();
        signalSyncWaits();
        if (pinnedUpToSeq != NO_PIN && upToSeq >= pinnedUpToSeq) {
            disks.forEach(disk -> disk.unpinAll(upToSeq));
            pinnedUpToSeq = NO_PIN;
        }
    }

    /**
     * From now on the gateway's acknowledgements let regions go only once the target has applied the writes
     * ({@code hold}: the gateway forwards the target's APPLIED acks), or at once (not). See
     * {@link RegionTracker#holdUntilApplied}.
     */
    public synchronized void holdUntilApplied(boolean hold) {
        disks.forEach(disk -> disk.holdUntilApplied(hold));
    }

    /**
     * The target has applied every record up to {@code upToSeq} (never beyond what was acknowledged durable): the
     * regions that waited only for that may become clean.
     */
    public synchronized void applied(long upToSeq) {
        long seq = Math.min(upToSeq, acknowledgedUpTo);
        disks.forEach(disk -> disk.applied(seq));
    }

    /**
     * The gateway that acknowledged this stream is gone with its journal (another gateway answered: a takeover), and
     * the acknowledgements from now on are of another journal's seqs: every write not acknowledged yet and every
     * region still awaiting applied is pinned for the resync (what the target had applied stays clean), and the group
     * goes to bitmap mode. Nothing acknowledged before is released by a later acknowledgement.
     */
    public synchronized void acknowledgementsLost(String reason) {
        while (!unacknowledged.isEmpty()) {
            OrderedWrite write = unacknowledged.pollFirst();
            if (write.held) {
                write.tracker.release(write.offset(), write.length(), true);
            }
        }
        unacknowledgedPayloadBytes = 0;
        disks.forEach(RegionTracker::pinAwaitingApplied);
        replicationLost(reason);
        pinnedUpToSeq = Long.MAX_VALUE; // in bitmap mode already too: only the resync lifts these pins
    }

    private void completed(OrderedWrite write) {
        Runnable owner;
        synchronized (this) {
            completedOutOfOrder.put(write.seq(), write);
            if (write.seq() != nextToHandOff) {
                return; // an earlier seq is still being written: the one that completes it wakes the hand-off
            }
            owner = handOffOwner;
            if (owner == null) {
                handOffReady();
                return;
            }
        }
        // Woken after the lock is released: an owner woken inside it ran at once on a shared core, found the lock
        // held by this thread and waited for it, two context switches per hand-off (docs/benchmarks.md). Its round
        // takes every write put here before the wake.
        owner.run();
    }

    /**
     * Hands every completed write that is next in seq order to the sink (or keeps it dirty in bitmap mode): on the
     * owner's thread once {@link #handOffBy} named one, else on the thread that completed the write.
     */
    public synchronized void handOffReady() {
        OrderedWrite next;
        while ((next = completedOutOfOrder.remove(nextToHandOff)) != null) {
            nextToHandOff++;
            try {
                handOff(next);
            } finally {
                queuedBytes.addAndGet(-next.budget);
            }
        }
        signalSyncWaits(); // room in the queue, and in the window unless the records went dirty only
    }

    /** Called in seq order, with the lock held. */
    private void handOff(OrderedWrite write) {
        WriteRecord record = write.record;
        write.record = null;
        String notStreamedBecause = null;
        if (write.notStreamed) {
            // Kept dirty only (bitmap mode when it completed, or no room in the queue when it began): the stream
            // breaks here unless it already has, since the sink never sees this seq.
            notStreamedBecause = mode.streams() ? "seq " + write.seq() + " was kept dirty only" : null;
        } else if (record == null) {
            notStreamedBecause = "the local write of seq " + write.seq() + " failed";
        } else if (mode.streams() && unacknowledged.size() >= windowRecords) {
            notStreamedBecause = "the replication window is full (" + windowRecords + " records unacknowledged)";
        } else if (mode.streams()) {
            WriteRecord offered = record;
            record = null; // the sink owns it from here, taken or not
            if (offer(offered)) {
                unacknowledged.addLast(write);
                unacknowledgedPayloadBytes += write.payloadBytes();
                handedOff.increment();
                return;
            }
            notStreamedBecause = "the sink refused seq " + write.seq();
        }
        try {
            if (notStreamedBecause != null) {
                moveTo(ReplicationMode.Event.NOT_STREAMED, notStreamedBecause);
            }
            refused.increment();
            if (write.held) {
                write.tracker.release(write.offset(), write.length(), true);
            }
            pinnedUpToSeq = write.seq();
        } finally {
            if (record != null) {
                record.release();
            }
        }
    }

    private boolean offer(WriteRecord record) {
        try {
            return sink.offer(record);
        } catch (RuntimeException e) {
            LOG.error("replication sink failed on seq {} of consistency group {}; treated as a refusal",
                    record.seq(), id, e);
            return false;
        }
    }

    /**
     * Replication stopped below the tap (the gateway connection dropped): from now on writes only mark
     * dirty regions, and records handed off but never acknowledged keep theirs until a resync.
     */
    public synchronized void replicationLost(String reason) {
        if (moveTo(ReplicationMode.Event.REPLICATION_LOST, reason)) {
            pinnedUpToSeq = Long.MAX_VALUE;
        }
    }

    /**
     * The operator paused replication: records are no longer offered, and those handed off keep their dirty bits
     * until the resync after {@link #resume} (their acks may never come). Idempotent.
     */
    public synchronized void pause(String reason) {
        if (moveTo(ReplicationMode.Event.PAUSE_REQUESTED, reason)) {
            pinnedUpToSeq = Long.MAX_VALUE;
        }
    }

    /** PAUSED to BITMAP, whose listener starts the resync of the regions kept dirty; nothing in another mode. */
    public synchronized void resume(String reason) {
        moveTo(ReplicationMode.Event.RESUME_REQUESTED, reason);
    }

    /**
     * Applies {@code event} to the mode ({@link ReplicationMode#after} decides); holds the lock.
     *
     * @return true when the mode changed
     */
    private boolean moveTo(ReplicationMode.Event event, String reason) {
        ReplicationMode next = mode.after(event);
        if (next == mode) {
            return false;
        }
        if (!next.streams()) {
            LOG.warn("consistency group {} goes from {} to {}: {}; dirty regions are kept for a resync", id, mode, next, reason);
            // A sync cut short: what it had not covered is as dirty as any region a resync must copy.
            disks.forEach(RegionTracker::abandonSync);
            syncCheckpoints.clear();
        } else {
            LOG.info("consistency group {} goes from {} to {}: {}", id, mode, next, reason);
        }
        if (next == ReplicationMode.STREAMING) {
            streamingStretch++;
        }
        mode = next;
        signalSyncWaits();
        if (next == ReplicationMode.BITMAP) {
            bitmapListener.run();
        }
        return true;
    }

    /** The syncer covered {@code disk} below {@code endOffset} with every seq up to {@code seq}. */
    private record SyncCheckpoint(long seq, int disk, long endOffset, boolean syncEnded) {
    }

    private static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }

    /** One write between {@link #begin} and {@link #complete}; used by one thread at a time. */
    public final class OrderedWrite {
        /** For {@link #complete(boolean, ByteBuf, long)}: the payload's CRC32C is not known yet. */
        public static final long CRC_NOT_TAKEN = -1;

        private final WriteSequencer.InFlightWrite slot;
        private final RegionTracker tracker;
        /** DATA may become ZERO before completion ({@link #sendAsZero}). */
        private RecordKind kind;
        private final int budget;
        private final long sourceTimeMicros;
        private final boolean fua;
        private boolean held;
        private boolean completed;
        /** The record to hand off; null when the local write failed or the group was in bitmap mode. */
        private WriteRecord record;
        private boolean notStreamed;

        private OrderedWrite(WriteSequencer.InFlightWrite slot, RegionTracker tracker, RecordKind kind, int budget,
                long sourceTimeMicros, boolean fua) {
            this.fua = fua;
            this.slot = slot;
            this.tracker = tracker;
            this.kind = kind;
            this.budget = budget;
            this.sourceTimeMicros = sourceTimeMicros;
        }

        public long seq() {
            return slot.seq();
        }

        long offset() {
            return slot.offset();
        }

        int length() {
            return (int) (slot.end() - slot.offset());
        }

        long payloadBytes() {
            return kind.hasPayload() ? length() : 0;
        }

        /** Marks the write's regions dirty and waits until that is durable (group commit). */
        public void markDirty() throws IOException {
            held = true;
            tracker.bitmap().awaitDurable(tracker.hold(offset(), length()));
        }

        /**
         * A sync read found only zeros: send a ZERO record of the range instead of the bytes (the replica may hold
         * old data there, so the range must be zeroed; a hole is cheaper than zeros). Complete with an empty buffer.
         */
        public void sendAsZero() {
            if (kind != RecordKind.DATA || completed) {
                throw new IllegalStateException("seq " + seq() + " is a completed write or not a DATA read");
            }
            kind = RecordKind.ZERO;
        }

        /**
         * Ends the write, after the guest's reply was sent: lets later overlapping writes go on and queues the
         * record for the sink in seq order. Takes ownership of {@code payload} (the DATA bytes, or an empty buffer).
         */
        public void complete(boolean succeeded, ByteBuf payload) {
            complete(succeeded, payload, CRC_NOT_TAKEN);
        }

        /**
         * As {@link #complete(boolean, ByteBuf)}, with the payload's CRC32C (unsigned) when it was taken as the bytes
         * arrived, so the record needs no second pass over them; {@link #CRC_NOT_TAKEN} computes it here.
         */
        public void complete(boolean succeeded, ByteBuf payload, long payloadCrc) {
            if (completed) {
                payload.release();
                throw new IllegalStateException("seq " + seq() + " completed twice");
            }
            completed = true;
            if (succeeded && (notStreamed || !mode.streams())) {
                // Nothing will be streamed: skip the CRC and the record, keep only what marks it as not sent.
                payload.release();
                notStreamed = true;
            } else if (succeeded) {
                // Built here, off the group's lock: a payload CRC not taken on arrival is computed here.
                BlockWrite block = kind.hasPayload() ? data(payload, payloadCrc)
                        : kind.isMarker() ? BlockWrite.marker(seq(), slot.disk(), kind)
                        : BlockWrite.range(seq(), slot.disk(), offset(), length(), kind);
                if (!kind.hasPayload()) {
                    payload.release();
                }
                record = new WriteRecord(wireId, sourceTimeMicros, fua, block);
            } else {
                payload.release();
            }
            sequencer.end(slot);
            completed(this);
        }

        /** A DATA write of {@code payload}, with its CRC32C as taken on arrival, or computed now (a second pass). */
        private BlockWrite data(ByteBuf payload, long payloadCrc) {
            if (payloadCrc == CRC_NOT_TAKEN) {
                return BlockWrite.data(seq(), slot.disk(), offset(), payload);
            }
            return new BlockWrite(seq(), slot.disk(), offset(), payload.readableBytes(), RecordKind.DATA,
                    (int) payloadCrc, payload);
        }
    }
}
