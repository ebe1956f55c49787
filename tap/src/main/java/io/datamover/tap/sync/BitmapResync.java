package io.datamover.tap.sync;

import io.datamover.disk.Extent;
import io.datamover.disk.SparseFile;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.RecordKind;
import io.datamover.tap.export.Export;
import io.datamover.tap.replication.ConsistencyGroup;
import io.datamover.tap.replication.ReplicationMode;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resync after bitmap mode: brings the replica level with the local disks again by copying the dirty regions
 * through the group's ordered stream, while the guests keep writing (and their writes keep streaming).
 *
 * <p>The stream owner starts it ({@link ConsistencyGroup#finishDrain} re-based the seqs on the sink's restart point
 * and ordered a SYNC_BEGIN for every disk with pinned regions). Then, disk by disk, every run of dirty regions is walked by its
 * allocated extents (SEEK_DATA/SEEK_HOLE). The replica holds <em>old</em> data there, so nothing may be skipped:
 * <ul>
 *   <li>a hole becomes a ZERO record without reading, after checking under the record's order that it is still a
 *   hole (if a guest filled it meanwhile, the ZERO still goes, the replica being INCONSISTENT anyway, and the range
 *   is walked again at once, so a later record carries the data);</li>
 *   <li>an extent is read a chunk at a time; the chunk is split into runs of zero and non-zero 4 KiB blocks, and each
 *   run is sent as an ordered sync read: bytes that are all zero at its seq go as a ZERO record, anything else as
 *   DATA. The run's bytes at its seq are the chunk's when no guest write changed the chunk since it was read (the
 *   seq order tells, {@link ConsistencyGroup.Peek}), else they are read again under the order; the decision is made
 *   on those bytes, so it is always right at that seq, and an extent no guest writes meanwhile is read once.</li>
 * </ul>
 * After a disk's last region it sends SYNC_END; once the gateway acknowledged the last SYNC_END, the group is
 * STREAMING again. Acknowledgements of its records end the regions' wait ({@link ConsistencyGroup#syncCovered}, after
 * every chunk, so a resync cut short keeps its progress); regions guests write meanwhile stay held by their own
 * records.
 *
 * <p>When the group falls to bitmap mode again the resync stops; what was not acknowledged stays dirty and the next
 * resync (a new SYNC_BEGIN) copies it. Memory: one chunk buffer plus the records in flight, which the wait for room
 * in the window bounds. Runs on the caller's thread, one run at a time; it must never be interrupted while reading
 * (an interrupt closes the disk's file channel for everyone).
 */
public final class BitmapResync implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BitmapResync.class);
    /** Half of how long {@link #close} waits for a run to stop. */
    private static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Largest ZERO record for a hole: large enough for few records, small enough to hold up few guest writes. */
    private static final int MAX_ZERO_BYTES = 64 << 20;

    private final ConsistencyGroup group;
    private final List<Export> exports;
    private final int chunkBytes;
    private final long maxUnacknowledgedBytes;
    private final ResyncMetrics metrics;
    private final Object runLock = new Object();
    private boolean running;
    private final SyncStop stop = new SyncStop();

    /**
     * @param exports the group's disks, by index
     * @param chunkBytes bytes read at a time, a multiple of 4 KiB
     * @param maxUnacknowledgedBytes pause while the gateway holds more unacknowledged payload than this
     */
    public BitmapResync(ConsistencyGroup group, List<Export> exports, int chunkBytes, long maxUnacknowledgedBytes,
            MeterRegistry registry) {
        this.group = group;
        this.exports = List.copyOf(exports);
        this.chunkBytes = chunkBytes;
        this.maxUnacknowledgedBytes = maxUnacknowledgedBytes;
        this.metrics = new ResyncMetrics(registry, group.id());
    }

    /**
     * Runs one resync, started by {@link ConsistencyGroup#finishDrain}, on the caller's thread.
     *
     * @return true when it ended with the group STREAMING again
     */
    public boolean run(ConsistencyGroup.ResyncStart start) throws InterruptedException {
        synchronized (runLock) {
            if (stop.stopped() || running) {
                return false;
            }
            running = true;
        }
        try {
            return resync(start);
        } finally {
            synchronized (runLock) {
                running = false;
                runLock.notifyAll();
            }
        }
    }

    /** Stops a run in progress after its current chunk and waits for it; no run starts after this. */
    @Override
    public void close() {
        stop.stop();
        synchronized (runLock) {
            long deadline = System.nanoTime() + DRAIN_TIMEOUT_NANOS * 2;
            while (running && System.nanoTime() < deadline) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(runLock, deadline - System.nanoTime());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private boolean resync(ConsistencyGroup.ResyncStart start) throws InterruptedException {
        long started = System.nanoTime();
        List<String> dirty = new ArrayList<>();
        List<ResyncMetrics.DiskCounters> counters = new ArrayList<>();
        for (ConsistencyGroup.ResyncDisk disk : start.disks()) {
            Export export = exports.get(disk.disk());
            dirty.add(export.name() + "=" + dirtyBytes(export, disk.regions()));
            counters.add(metrics.disk(export.name()));
        }
        LOG.info("consistency group {}: resync starts at seq {}: dirty bytes per disk {}", group.id(), start.firstSeq(),
                dirty);
        CrashPoint.reached(CrashPoint.Point.TAP_RESYNC_STARTED);
        String outcome = "stopped";
        try {
            long lastSyncEnd = 0;
            for (int i = 0; i < start.disks().size(); i++) {
                ConsistencyGroup.ResyncDisk disk = start.disks().get(i);
                // The witness must be durable before any of the disk's regions can clear.
                exports.get(disk.disk()).tracker().bitmap().awaitDurable(disk.witnessTicket());
                if (!copy(disk, counters.get(i)) || !resyncing()) {
                    return false;
                }
                lastSyncEnd = group.marker(disk.disk(), RecordKind.SYNC_END);
                CrashPoint.reached(CrashPoint.Point.TAP_RESYNC_SYNC_END_SENT);
                group.syncCovered(disk.disk(), exports.get(disk.disk()).sizeBytes(), true);
            }
            // Completed by the owner as it applies the ack, or by a mode change or a stop: no polling.
            if (!resyncing() || !stop.await(group.whenAcknowledged(lastSyncEnd)) || !resyncing()) {
                return false;
            }
            group.endResync("resync of the dirty regions complete, SYNC_END acknowledged at seq " + lastSyncEnd);
            outcome = "completed";
            return group.mode() == ReplicationMode.STREAMING;
        } catch (IOException | RuntimeException e) { // UncheckedIOException: an extent walk that failed
            outcome = "failed";
            LOG.error("consistency group {}: resync failed; its regions stay dirty for the next one", group.id(), e);
            group.replicationLost("the resync failed: " + e.getMessage());
            return false;
        } finally {
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            metrics.ended(outcome, took);
            LOG.info("consistency group {}: resync {} after {} ms: {} bytes read, {} sent as data, {} sent as zeros{}",
                    group.id(), outcome, took.toMillis(), counters.stream().mapToLong(c -> c.read).sum(),
                    counters.stream().mapToLong(c -> c.sent).sum(), counters.stream().mapToLong(c -> c.zeroed).sum(),
                    outcome.equals("stopped") ? " (" + (stop.stopped() ? "the tap is closing" : "mode " + group.mode())
                            + "); what is not acknowledged stays dirty" : "");
        }
    }

    private boolean resyncing() {
        return !stop.stopped() && group.mode() == ReplicationMode.RESYNCING;
    }

    /**
     * Copies the dirty regions of one disk, run of regions by run, telling the group after every chunk how far the
     * disk is covered: a resync cut short keeps what the gateway acknowledged, so the next one has less to copy.
     *
     * @return false when the resync must stop
     */
    private boolean copy(ConsistencyGroup.ResyncDisk disk, ResyncMetrics.DiskCounters counters) throws IOException {
        Export export = exports.get(disk.disk());
        long region = export.tracker().bitmap().regionSizeBytes();
        BitSet regions = disk.regions();
        ByteBuffer chunk = ByteBuffer.allocateDirect(chunkBytes);
        for (int first = regions.nextSetBit(0); first >= 0; first = regions.nextSetBit(first)) {
            int end = regions.nextClearBit(first);
            if (!copyRange(export, first * region, Math.min(end * region, export.sizeBytes()), chunk, counters)) {
                return false;
            }
            first = end;
        }
        return true;
    }

    /** Copies {@code [from, to)}: holes as ZERO records, extents as their zero and non-zero runs. */
    private boolean copyRange(Export export, long from, long to, ByteBuffer chunk, ResyncMetrics.DiskCounters counters)
            throws IOException {
        long at = from;
        for (Extent extent : export.file().dataExtents(from, to)) {
            if (!zeroHoles(export, at, extent.offset(), chunk, counters)
                    || !copyExtent(export, extent, chunk, counters)) {
                return false;
            }
            at = extent.end();
        }
        return zeroHoles(export, at, to, chunk, counters);
    }

    /**
     * Sends {@code [from, to)}, a hole when the walk saw it, as ZERO records; a piece that is no longer a hole under
     * its record's order is walked again at once, so a later record carries what a guest wrote there.
     */
    private boolean zeroHoles(Export export, long from, long to, ByteBuffer chunk, ResyncMetrics.DiskCounters counters)
            throws IOException {
        for (long at = from; at < to; ) {
            if (!awaitRoom()) {
                return false;
            }
            int length = (int) Math.min(MAX_ZERO_BYTES, to - at);
            boolean hole = zeroHole(export, at, length);
            counters.sent(length, true);
            if (!hole && !copyRange(export, at, at + length, chunk, counters)) {
                return false;
            }
            at += length;
            group.syncCovered(export.index(), at, false);
        }
        return true;
    }

    /** One ordered ZERO of a hole; false when a guest wrote into it since the walk saw it. */
    private boolean zeroHole(Export export, long offset, int length) throws IOException {
        ConsistencyGroup.OrderedWrite zero = group.beginSyncZero(export.index(), offset, length);
        boolean succeeded = false;
        try {
            zero.markDirty();
            long data = export.file().nextData(offset);
            succeeded = true;
            return data == SparseFile.NO_MORE_DATA || data >= offset + length;
        } finally {
            zero.complete(succeeded, Unpooled.EMPTY_BUFFER);
        }
    }

    /** Reads an extent a chunk at a time and sends each run of zero or non-zero blocks as an ordered sync read. */
    private boolean copyExtent(Export export, Extent extent, ByteBuffer chunk, ResyncMetrics.DiskCounters counters)
            throws IOException {
        for (long at = extent.offset(); at < extent.end(); ) {
            if (!awaitRoom()) {
                return false;
            }
            int length = (int) Math.min(chunkBytes, extent.end() - at);
            chunk.clear().limit(length);
            try (ConsistencyGroup.Peek peek = group.peek(export.index(), at, length)) {
                export.read(chunk, at);
                chunk.flip();
                counters.read(length);
                int runStart = 0;
                for (ZeroBlocks.Run data : ZeroBlocks.nonZeroRuns(chunk)) {
                    if (data.offset() > runStart) {
                        send(export, at, runStart, data.offset() - runStart, chunk, peek, counters);
                    }
                    send(export, at, data.offset(), data.length(), chunk, peek, counters);
                    runStart = data.offset() + data.length();
                }
                if (runStart < length) {
                    send(export, at, runStart, length - runStart, chunk, peek, counters);
                }
            }
            at += length;
            group.syncCovered(export.index(), at, false);
        }
        return true;
    }

    /** Sends the run {@code [from, from + length)} of the chunk peeked at {@code chunkOffset}. */
    private void send(Export export, long chunkOffset, int from, int length, ByteBuffer chunk,
            ConsistencyGroup.Peek peek, ResyncMetrics.DiskCounters counters) throws IOException {
        OrderedSyncReads.Sent sent = OrderedSyncReads.send(group, export, chunkOffset + from, length, true, peek,
                chunk.slice(from, length));
        counters.sent(length, sent.zero());
        if (sent.readDisk()) {
            counters.read(length);
        }
    }

    private boolean awaitRoom() {
        return OrderedSyncReads.awaitRoom(group, maxUnacknowledgedBytes, stop);
    }

    private static long dirtyBytes(Export export, BitSet regions) {
        long region = export.tracker().bitmap().regionSizeBytes();
        long last = regions.length() * region;
        long bytes = regions.cardinality() * region;
        return last > export.sizeBytes() ? bytes - (last - export.sizeBytes()) : bytes;
    }
}
