package io.datamover.tap.sync;

import io.datamover.disk.Extent;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.RecordKind;
import io.datamover.tap.export.Export;
import io.datamover.tap.replication.ConsistencyGroup;
import io.datamover.tap.replication.ReplicationMode;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The initial sync of newly protected disks, on its own thread, one chunk at a time, while the guests keep writing.
 *
 * <p>It moves the group to RESYNCING, sends SYNC_BEGIN for every disk, then walks each disk's allocated extents
 * (SEEK_DATA/SEEK_HOLE: holes are never read). For each chunk it first reads the bytes unordered to find the
 * non-zero 4 KiB blocks, then sends every run of them as an ordered sync read (its own seq, ordered against
 * overlapping guest writes). The unordered peek decides <em>what</em> to send: a block it saw as zero that a guest
 * filled meanwhile is carried by that guest's own record, which comes earlier in seq order. A run carries the peek's
 * bytes when no guest write changed the chunk since the peek (the seq order tells, {@link ConsistencyGroup.Peek}),
 * else it is read again under the order: either way the disk's bytes at its seq, and the disk is read once. After a disk's last chunk it
 * sends SYNC_END; when every disk is done the group goes back to STREAMING.
 *
 * <p>It marks nothing clean: acknowledgements of its records end the regions' wait (see
 * {@link ConsistencyGroup#syncCovered}). It pauses while the gateway holds too many unacknowledged bytes, so
 * guests' writes keep room in the window, and stops when the group falls to bitmap mode: what it had not covered
 * stays dirty for a resync. Memory: one chunk buffer, plus the records in flight, which the pause bounds.
 *
 * <p>The thread is never interrupted: an interrupt during a read would close the disk's file channel for everyone.
 */
public final class RegionSyncer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RegionSyncer.class);
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);

    /** A newly protected disk: copy its data ({@link InitialSync#AUTO}), or only send its markers (SKIP). */
    public record SyncDisk(Export export, boolean copyData) {
    }

    private final ConsistencyGroup group;
    private final List<SyncDisk> disks;
    private final List<SyncMetrics> metrics;
    private final int chunkBytes;
    private final long maxUnacknowledgedBytes;
    private final Thread thread;
    private final SyncStop stop = new SyncStop();
    /** Set when the thread's work is over, before the end is told: {@link #isRunning} is false from then on. */
    private volatile boolean ended;
    private volatile Runnable endListener = () -> { };

    private RegionSyncer(ConsistencyGroup group, List<SyncDisk> disks, int chunkBytes, long maxUnacknowledgedBytes,
            MeterRegistry registry) {
        this.group = group;
        this.disks = List.copyOf(disks);
        this.chunkBytes = chunkBytes;
        this.maxUnacknowledgedBytes = maxUnacknowledgedBytes;
        this.metrics = this.disks.stream()
                .map(d -> new SyncMetrics(registry, group.id(), d.export().name(), d.export().sizeBytes())).toList();
        this.thread = Thread.ofPlatform().name("tap-initial-sync").daemon().unstarted(this::run);
    }

    /**
     * Starts the sync of {@code disks} (each one's bitmap was just created with its allocated regions dirty).
     *
     * @param chunkBytes bytes read at a time, a multiple of 4 KiB
     * @param maxUnacknowledgedBytes pause while the gateway holds more unacknowledged payload than this
     */
    public static RegionSyncer start(ConsistencyGroup group, List<SyncDisk> disks, int chunkBytes,
            long maxUnacknowledgedBytes, MeterRegistry registry) {
        RegionSyncer syncer = new RegionSyncer(group, disks, chunkBytes, maxUnacknowledgedBytes, registry);
        syncer.thread.start();
        return syncer;
    }

    /** True until the sync has ended, been stopped or given up. */
    public boolean isRunning() {
        return !ended;
    }

    /**
     * {@code listener} is told once the sync has ended (it stops after its current chunk once the group left
     * RESYNCING), on the sync's thread, after {@link #isRunning} turned false: it must not block. A sync that ended
     * before this call is not told: look at {@link #isRunning} after it.
     */
    public void onEnded(Runnable listener) {
        this.endListener = listener;
    }

    /** Stops after the chunk in progress and waits for the thread; the regions not covered stay dirty. */
    @Override
    public void close() {
        stop.stop();
        try {
            if (!thread.join(STOP_WAIT)) {
                LOG.warn("initial sync thread did not stop within {} s", STOP_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            metrics.forEach(SyncMetrics::close);
        }
    }

    private void run() {
        try {
            syncDisks();
        } finally {
            ended = true;
            endListener.run();
        }
    }

    private void syncDisks() {
        List<String> names = disks.stream().map(d -> d.export().name()).toList();
        if (!group.startResync("initial sync of new disks " + names)) {
            LOG.warn("initial sync of {} not started: consistency group {} is in bitmap mode; their allocated regions "
                    + "stay dirty for a resync", names, group.id());
            return;
        }
        try {
            for (SyncDisk disk : disks) {
                group.marker(disk.export().index(), RecordKind.SYNC_BEGIN);
            }
            for (int i = 0; i < disks.size(); i++) {
                if (!sync(disks.get(i), metrics.get(i))) {
                    return;
                }
            }
            group.endResync("initial sync of " + names + " complete");
        } catch (IOException | RuntimeException e) { // UncheckedIOException: an extent walk that failed
            LOG.error("initial sync of {} failed; its regions stay dirty for a resync", names, e);
            group.replicationLost("the initial sync failed: " + e.getMessage());
        }
    }

    /** Copies one disk; false when the sync stopped before the disk's SYNC_END. */
    private boolean sync(SyncDisk disk, SyncMetrics m) throws IOException {
        Export export = disk.export();
        long started = System.nanoTime();
        LOG.info("initial sync of disk {} ({} bytes) starts{}", export.name(), export.sizeBytes(),
                disk.copyData() ? "" : ": skipped, the operator asserts the replica equals the source");
        long read = 0;
        long sent = 0;
        if (disk.copyData()) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(chunkBytes);
            for (Extent extent : export.file().dataExtents(0, export.sizeBytes())) {
                for (long at = extent.offset(); at < extent.end(); ) {
                    if (!awaitRoom()) {
                        return stopped(export, at);
                    }
                    int length = (int) Math.min(chunkBytes, extent.end() - at);
                    chunk.clear().limit(length);
                    int nonZero = 0;
                    try (ConsistencyGroup.Peek peek = group.peek(export.index(), at, length)) {
                        export.read(chunk, at);
                        chunk.flip();
                        for (ZeroBlocks.Run run : ZeroBlocks.nonZeroRuns(chunk)) {
                            OrderedSyncReads.send(group, export, at + run.offset(), run.length(), false, peek,
                                    chunk.slice(run.offset(), run.length()));
                            nonZero += run.length();
                            m.recordsSent.increment();
                        }
                    }
                    m.bytesRead.increment(length);
                    m.bytesSent.increment(nonZero);
                    m.bytesSkippedZero.increment(length - nonZero);
                    read += length;
                    sent += nonZero;
                    at += length;
                    group.syncCovered(export.index(), at, false);
                    CrashPoint.reached(CrashPoint.Point.TAP_INITIAL_SYNC_CHUNK_COVERED);
                    m.reached(at);
                }
            }
        }
        if (stop.stopped() || group.mode() != ReplicationMode.RESYNCING) {
            return stopped(export, export.sizeBytes());
        }
        long endSeq = group.marker(export.index(), RecordKind.SYNC_END);
        CrashPoint.reached(CrashPoint.Point.TAP_INITIAL_SYNC_END_SENT);
        group.syncCovered(export.index(), export.sizeBytes(), true);
        m.reached(export.sizeBytes());
        LOG.info("initial sync of disk {} done in {} ms: {} allocated bytes read, {} sent, {} skipped as zero, "
                + "{} in holes never read; SYNC_END at seq {}", export.name(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), read, sent, read - sent,
                export.sizeBytes() - read, endSeq);
        return true;
    }

    private boolean awaitRoom() {
        return OrderedSyncReads.awaitRoom(group, maxUnacknowledgedBytes, stop);
    }

    private boolean stopped(Export export, long at) {
        LOG.warn("initial sync of disk {} stopped at offset {} ({}): the regions not yet copied stay dirty for a resync",
                export.name(), at, stop.stopped() ? "the tap is closing" : "consistency group " + group.id() + " is "
                        + group.mode());
        return false;
    }
}
