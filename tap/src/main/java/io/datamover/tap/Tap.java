package io.datamover.tap;

import io.datamover.disk.DirectoryLock;
import io.datamover.disk.DurableFiles;
import io.datamover.disk.Extent;
import io.datamover.disk.PageDropFailures;
import io.datamover.disk.PrivateFiles;
import io.datamover.disk.SparseFile;
import io.datamover.disk.compare.RegionDigests;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.ResyncRegions;
import io.datamover.tap.bitmap.BitmapIdentity;
import io.datamover.tap.bitmap.DirtyBitmap;
import io.datamover.tap.bitmap.RegionTracker;
import io.datamover.tap.export.DiskShrankException;
import io.datamover.tap.export.DiskSizeWatch;
import io.datamover.tap.export.Export;
import io.datamover.tap.nbd.NbdServer;
import io.datamover.tap.replication.ConsistencyGroup;
import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.replication.ReplicationSink;
import io.datamover.tap.replication.WriteAdmission;
import io.datamover.tap.sync.BitmapResync;
import io.datamover.tap.sync.InitialSync;
import io.datamover.tap.sync.RegionSyncer;
import io.datamover.tap.sync.SyncRegions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running tap: an NBD server over the disks of one consistency group, intercepting and ordering every write,
 * keeping a persistent dirty bitmap per disk and handing records to a {@link ReplicationSink}.
 *
 * <p>A disk without a bitmap is newly protected: its bitmap is created with every region holding allocated extents
 * dirty, and once the tap serves, a {@link RegionSyncer} copies the disk to the replica through the ordered stream
 * (the group is RESYNCING meanwhile; {@link InitialSync} in the config says whether data is copied or only the
 * markers sent).
 *
 * <p>In bitmap mode the disks' dirty regions wait for a {@link BitmapResync}, which the owner of the sink starts
 * ({@link #beginResyncDrain}, {@link #finishResyncDrain}, {@link #runResync}) once the sink can stream again (in
 * {@link ReplicatingTap}: the sender is connected).
 *
 * <pre>{@code
 * try (Tap tap = Tap.start(config, sink, registry)) {
 *     int port = tap.port();
 *     ...
 *     tap.acknowledge(config.consistencyGroupId(), ackedSeq); // as the gateway acknowledges
 * }
 * }</pre>
 */
public final class Tap implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Tap.class);
    /** Payload blocks idle this long (up to twice) are given back: what a burst needed is not kept for good. */
    private static final Duration PAYLOAD_TRIM_PERIOD = Duration.ofSeconds(10);
    /** Disks grown while the tap serves them, per disk. */
    static final String DISK_GROWTHS = "datamover.tap.disk.growths";
    /** Growths refused because a disk's image shrank, per disk. */
    static final String DISK_SHRINK_REFUSALS = "datamover.tap.disk.shrink.refusals";
    /** How often the images' sizes are compared with the served ones: an fstat per disk. */
    private static final Duration SIZE_CHECK_PERIOD = Duration.ofSeconds(30);
    /** How long close waits for a dirty-bitmap sweep under way (one fdatasync of the bitmap). */
    private static final Duration SWEEPER_STOP_TIMEOUT = Duration.ofSeconds(10);
    /** In the state directory while the operator has replication paused: a restart stays paused. */
    static final String PAUSE_MARKER = "paused";
    /** In the state directory once a failback moved the group's disks elsewhere: no tap serves them from here. */
    static final String RETIRED_MARKER = "failed-back";
    /** In the state directory once a planned migration moved the disks: this tap refuses their writes for good. */
    static final String MOVED_MARKER = "moved";

    private final TapConfig config;
    /** The state directory's one owner, released last on close. */
    private final DirectoryLock stateDirLock;
    private final List<Export> exports;
    private final ConsistencyGroup group;
    private final ScheduledExecutorService sweeper;
    private final NbdServer server;
    /** The initial sync of new disks, or null when every disk was protected before. */
    private final RegionSyncer syncer;
    private final BitmapResync resync;
    private final MeterRegistry registry;
    /** Told when disks grow while the tap serves them, before NBD clients may write past the old ends. */
    private final ReplicationSink sink;
    /** Keeps the stored pause and the group's mode in step when pause and resume calls cross. */
    private final Object pauseLock = new Object();
    /** One growth at a time: the operator's {@code datamover resize} and the size watch. */
    private final Object growthLock = new Object();
    /** On the sweeper only. */
    private final DiskSizeWatch sizeWatch = new DiskSizeWatch();
    /** Per disk, its dirty regions and hot extents: removed at close, so a tap started again registers its own. */
    private final List<Meter> bitmapGauges;
    private volatile boolean closed;
    private boolean serving = true;

    private Tap(TapConfig config, DirectoryLock stateDirLock, List<Export> exports, ConsistencyGroup group,
            ScheduledExecutorService sweeper, NbdServer server, RegionSyncer syncer, BitmapResync resync,
            MeterRegistry registry, ReplicationSink sink, List<Meter> bitmapGauges) {
        this.config = config;
        this.stateDirLock = stateDirLock;
        this.exports = exports;
        this.group = group;
        this.sweeper = sweeper;
        this.server = server;
        this.syncer = syncer;
        this.resync = resync;
        this.registry = registry;
        this.sink = sink;
        this.bitmapGauges = bitmapGauges;
    }

    /** Starts a tap with the system clock. */
    public static Tap start(TapConfig config, ReplicationSink sink, MeterRegistry registry) throws IOException {
        return start(config, sink, registry, InstantSource.system());
    }

    /**
     * Locks the state directory, opens the disks and their bitmaps (refusing a bitmap made for another disk or
     * pair), then listens.
     *
     * @param clock source of the records' timestamps
     * @throws io.datamover.disk.DirectoryInUseException when another tap holds the state directory
     */
    public static Tap start(TapConfig config, ReplicationSink sink, MeterRegistry registry, InstantSource clock)
            throws IOException {
        DirectoryLock stateDirLock = lockStateDir(config);
        try {
            return start(config, stateDirLock, sink, registry, clock);
        } catch (IOException | RuntimeException e) {
            try {
                stateDirLock.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Creates the state directory (0700) if missing and takes it: one tap per state directory.
     *
     * @throws io.datamover.disk.DirectoryInUseException when another tap, in this process or another, holds it
     */
    static DirectoryLock lockStateDir(TapConfig config) throws IOException {
        PrivateFiles.createDirectories(config.stateDir());
        return DirectoryLock.acquire(config.stateDir(), "the tap");
    }

    /**
     * As {@link #start(TapConfig, ReplicationSink, MeterRegistry, InstantSource)}, in a state directory the caller
     * locked ({@link #lockStateDir}): the tap releases the lock when it closes, the caller when this fails.
     */
    static Tap start(TapConfig config, DirectoryLock stateDirLock, ReplicationSink sink, MeterRegistry registry,
            InstantSource clock) throws IOException {
        Path retired = config.stateDir().resolve(RETIRED_MARKER);
        if (Files.exists(retired)) {
            throw new IllegalStateException("this tap's state directory is retired, its writes refused: "
                    + Files.readString(retired, StandardCharsets.UTF_8).strip());
        }
        List<Export> exports = new ArrayList<>();
        ScheduledExecutorService sweeper = null;
        try {
            Counter bitmapSyncs = registry.counter("datamover.tap.bitmap.syncs");
            for (ExportConfig exportConfig : config.exports()) {
                exports.add(openExport(config, exports.size(), exportConfig, bitmapSyncs));
            }
            ConsistencyGroup group = new ConsistencyGroup(config.consistencyGroupId(),
                    exports.stream().map(Export::tracker).toList(), sink, clock, config.firstSeq(),
                    config.maxPendingHandoffBytes(), config.replicationWindowRecords(), registry);
            Optional<Moved> moved = moved(config.stateDir());
            if (moved.isPresent()) {
                group.admission().movedBeforeStart(moved.get().where());
                LOG.warn("consistency group {}: a planned migration moved these disks at seq {}: their writes are "
                        + "refused here ({})", config.consistencyGroupId(), moved.get().seq(), moved.get().where());
            }
            if (Files.exists(pauseMarker(config))) {
                // Before any sync can start: the regions of new disks wait, dirty, for the resync after the resume.
                group.pause("paused by the operator before this start (" + pauseMarker(config) + ")");
            }
            sweeper = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("tap-bitmap-sweeper", true));
            Counter sweepFailures = registry.counter("datamover.tap.bitmap.sweep.failures");
            // The syncs' and verifies' page-cache advice is best-effort: its failures are only counted and logged.
            FunctionCounter.builder("datamover.disk.page.drop.failures", PageDropFailures.class,
                    c -> PageDropFailures.processCount()).register(registry);
            sweeper.scheduleWithFixedDelay(() -> sweep(exports, sweepFailures), config.dirtyRetentionMillis(),
                    config.dirtyRetentionMillis(), TimeUnit.MILLISECONDS);
            NbdServer server = NbdServer.start(config, byName(exports), group, sink.windowBytes(), registry);
            sweeper.scheduleWithFixedDelay(server::trimIdlePayloads, PAYLOAD_TRIM_PERIOD.toMillis(),
                    PAYLOAD_TRIM_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
            BitmapResync resync = new BitmapResync(group, exports, config.initialSyncReadBytes(),
                    config.initialSyncMaxUnacknowledgedBytes(), registry);
            Tap tap = new Tap(config, stateDirLock, List.copyOf(exports), group, sweeper, server,
                    startInitialSync(config, exports, group, registry), resync, registry, sink,
                    bitmapGauges(config.consistencyGroupId(), exports, registry));
            sweeper.scheduleWithFixedDelay(tap::watchSizes, SIZE_CHECK_PERIOD.toMillis(),
                    SIZE_CHECK_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
            return tap;
        } catch (IOException | RuntimeException e) {
            closeAfterFailedStart(exports, sweeper, e);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            IOException failure = new IOException("interrupted while starting the tap", e);
            closeAfterFailedStart(exports, sweeper, failure);
            throw failure;
        }
    }

    private static Export openExport(TapConfig config, int index, ExportConfig exportConfig, Counter bitmapSyncs)
            throws IOException {
        SparseFile file = SparseFile.openReadWrite(exportConfig.path());
        try {
            long size = file.size();
            // Created with the regions the initial sync must cover, atomically: a crash before the sync ends leaves
            // them dirty, and the next start resyncs them.
            BitmapIdentity identity = new BitmapIdentity(config.pairId(), config.consistencyGroupId(),
                    file.identity());
            DirtyBitmap bitmap = DirtyBitmap.open(config.stateDir().resolve(exportConfig.name() + ".dirty"), identity,
                    size, config.regionSizeBytes(), pages -> bitmapSyncs.increment(),
                    () -> SyncRegions.toMarkDirty(file, config.regionSizeBytes(), config.initialSync()),
                    oldSize -> SyncRegions.allocatedFrom(file, oldSize, config.regionSizeBytes()));
            if (bitmap.created()) {
                LOG.info("disk {} is newly protected: {} regions marked dirty for its initial sync ({})",
                        exportConfig.name(), bitmap.dirtyCount(), config.initialSync());
                return new Export(index, exportConfig.name(), file, size, RegionTracker.forInitialSync(bitmap));
            }
            if (bitmap.dirtyCount() > 0) {
                LOG.warn("disk {} has {} dirty regions from a previous run; they stay dirty until a resync",
                        exportConfig.name(), bitmap.dirtyCount());
            }
            return new Export(index, exportConfig.name(), file, size, new RegionTracker(bitmap));
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Per disk: its dirty regions (what a resync would copy now; 0 once a tap in steady state has cleared what was
     * acknowledged) and what a crash would resync on the activity log's account, its hot extents.
     */
    private static List<Meter> bitmapGauges(long cg, List<Export> exports, MeterRegistry registry) {
        List<Meter> gauges = new ArrayList<>();
        for (Export export : exports) {
            String[] tags = {"cg", Long.toString(cg), "disk", export.name()};
            gauges.add(Gauge.builder("datamover.tap.bitmap.dirty.regions", export.tracker().bitmap(),
                    DirtyBitmap::dirtyCount).tags(tags).register(registry));
            gauges.add(Gauge.builder("datamover.tap.bitmap.hot.extents", export.tracker(), RegionTracker::hotExtents)
                    .tags(tags).register(registry));
        }
        return gauges;
    }

    /** Starts the initial sync of the disks whose bitmap this start created, if any. */
    private static RegionSyncer startInitialSync(TapConfig config, List<Export> exports, ConsistencyGroup group,
            MeterRegistry registry) {
        List<RegionSyncer.SyncDisk> newDisks = exports.stream().filter(export -> export.tracker().bitmap().created())
                .map(export -> new RegionSyncer.SyncDisk(export, config.initialSync() == InitialSync.AUTO)).toList();
        if (newDisks.isEmpty()) {
            return null;
        }
        return RegionSyncer.start(group, newDisks, config.initialSyncReadBytes(),
                config.initialSyncMaxUnacknowledgedBytes(), registry);
    }

    private static Map<String, Export> byName(List<Export> exports) {
        Map<String, Export> byName = new LinkedHashMap<>();
        exports.forEach(export -> byName.put(export.name(), export));
        byName.put("", exports.getFirst());
        return Collections.unmodifiableMap(byName);
    }

    private static void sweep(List<Export> exports, Counter failures) {
        for (Export export : exports) {
            try {
                export.tracker().sweep();
            } catch (IOException | RuntimeException e) {
                // The bitmap keeps the failure and fails the writes that need it; here we only report it.
                failures.increment();
                LOG.error("sweeping the dirty bitmap of {} failed", export, e);
            }
        }
    }

    /**
     * On the sweeper: grows into an image that grew under the tap, as {@code datamover resize} would; tells the
     * operator, once per size (DiskSizeWatch), of one that shrank (refused) or that could not be grown into.
     */
    private void watchSizes() {
        for (Export export : exports) {
            long served = export.sizeBytes();
            long current;
            try {
                current = export.file().size();
            } catch (IOException | RuntimeException e) {
                LOG.debug("cannot read the size of {}", export, e); // a failing disk fails its I/O, reported there
                continue;
            }
            if (current < served) {
                if (sizeWatch.toTell(export.name(), served, current)) {
                    LOG.warn("{}; writes past the new end fail", DiskShrankException.describe(export.name(), served,
                            current));
                }
            } else if (current > served) {
                try {
                    growDisks(Optional.of(export.name()));
                } catch (IOException | RuntimeException e) {
                    if (sizeWatch.toTell(export.name(), served, current)) {
                        LOG.warn("disk {} grew from {} to {} bytes under the tap but cannot be served at that size: {};"
                                + " tried again every {} s", export.name(), served, current, e.toString(),
                                SIZE_CHECK_PERIOD.toSeconds());
                    }
                }
            } else {
                sizeWatch.toTell(export.name(), served, current);
            }
        }
    }

    /** One disk grown while the tap serves it. */
    public record DiskGrowth(String disk, long fromBytes, long toBytes) {
        @Override
        public String toString() {
            return "disk " + disk + " grew from " + fromBytes + " to " + toBytes + " bytes";
        }
    }

    /**
     * Serves the disks whose images grew at their new sizes, without a restart ({@code datamover resize}, and the
     * tap's own size watch): {@code disk}, or every disk when empty. In this order: each grown disk's bitmap takes the
     * new regions in one atomic rewrite (the regions of the new part holding data are pinned for a resync); the sink
     * is told (the gateway sender reconnects, so its HELLO declares the new sizes and each gateway grows the group
     * before it answers, as at a restart); only then are NBD clients told the new size, on their next connection (NBD
     * has no notice of a size change). A crash in between leaves bitmaps that the next start opens at the images'
     * sizes. A disk that shrank refuses the whole call, nothing changed. Safe to repeat.
     *
     * @return the disks grown; empty when none did
     * @throws DiskShrankException when the image of a disk asked for is smaller than served
     * @throws IllegalArgumentException when no disk is named {@code disk}
     */
    public List<DiskGrowth> growDisks(Optional<String> disk) throws IOException {
        synchronized (growthLock) {
            if (closed) {
                throw new IOException("the tap is closed");
            }
            List<Export> asked = disk.isPresent() ? List.of(export(disk.get())) : exports;
            Map<Export, Long> grown = new LinkedHashMap<>();
            for (Export export : asked) {
                long current = export.file().size();
                if (current < export.sizeBytes()) {
                    registry.counter(DISK_SHRINK_REFUSALS, diskTags(export)).increment();
                    throw new DiskShrankException(export.name(), export.sizeBytes(), current);
                }
                if (current > export.sizeBytes()) {
                    grown.put(export, current);
                }
            }
            if (grown.isEmpty()) {
                return List.of();
            }
            boolean newPartsHoldData = false;
            for (Map.Entry<Export, Long> growth : grown.entrySet()) {
                Export export = growth.getKey();
                BitSet added = SyncRegions.allocatedBetween(export.file(), export.sizeBytes(), growth.getValue(),
                        config.regionSizeBytes());
                export.tracker().grow(growth.getValue(), added);
                newPartsHoldData |= !added.isEmpty();
            }
            sink.disksGrown(exports.stream().map(export -> grown.getOrDefault(export, export.sizeBytes())).toList());
            List<DiskGrowth> growths = new ArrayList<>();
            for (Map.Entry<Export, Long> growth : grown.entrySet()) {
                Export export = growth.getKey();
                DiskGrowth done = new DiskGrowth(export.name(), export.sizeBytes(), growth.getValue());
                export.serveGrown(growth.getValue());
                registry.counter(DISK_GROWTHS, diskTags(export)).increment();
                LOG.info("{} while the tap serves it: served at the new size from now on (new NBD connections see"
                        + " it); the replica grows with it, no full resync", done);
                growths.add(done);
            }
            if (newPartsHoldData) {
                // The replica grows with zeros: what the new parts hold reaches it through the pinned regions.
                group.replicationLost("grown disks hold data past their old ends: those regions are resynced");
            }
            return growths;
        }
    }

    private String[] diskTags(Export export) {
        return new String[] {"cg", Long.toString(config.consistencyGroupId()), "disk", export.name()};
    }

    private static void closeAfterFailedStart(List<Export> exports, ScheduledExecutorService sweeper, Exception failure) {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        for (Export export : exports) {
            try {
                export.close();
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * {@code listener} is told whenever the group goes to bitmap mode, on the thread that moved it: it must not block
     * (see {@link ConsistencyGroup#onBitmapMode}).
     */
    public void onBitmapMode(Runnable listener) {
        group.onBitmapMode(listener);
    }

    /**
     * From now on the group's records are handed to the sink by an owner thread, which {@code wakeOwner} wakes and
     * which then calls {@link #handOffReady}; until then the thread that completes a write hands off (see
     * {@link ConsistencyGroup#handOffBy}).
     */
    public void handOffBy(Runnable wakeOwner) {
        group.handOffBy(wakeOwner);
    }

    /** Hands the completed writes that are next in seq order to the sink; on the owner's thread. */
    public void handOffReady() {
        group.handOffReady();
    }

    /** True when every write ordered so far has been handed off (to the sink, or kept dirty). */
    public boolean allHandedOff() {
        return group.allHandedOff();
    }

    /** Bytes of completed and in-flight writes waiting to be handed off: at most {@code maxPendingHandoffBytes}. */
    public long pendingHandOffBytes() {
        return group.pendingHandOffBytes();
    }

    /** The gateway connection is gone: the group keeps only dirty bits from now on (bitmap mode). */
    public void replicationLost(String reason) {
        group.replicationLost(reason);
    }

    /**
     * The operator pauses replication: the pause is made durable in the state directory (a restart stays paused),
     * then the group stops offering records and keeps only dirty bits. Idempotent.
     */
    public void pause() throws IOException {
        synchronized (pauseLock) {
            DurableFiles.replace(pauseMarker(config), ByteBuffer.wrap(
                    "paused by the operator (datamover pause); datamover resume removes this file\n"
                            .getBytes(StandardCharsets.UTF_8)));
            group.pause("paused by the operator");
        }
    }

    /**
     * The operator resumes replication: the pause is removed from the state directory, then the group goes to bitmap
     * mode, whose listener starts the resync of the regions kept dirty. Idempotent; nothing when not paused.
     */
    public void resume() throws IOException {
        synchronized (pauseLock) {
            if (Files.deleteIfExists(pauseMarker(config))) {
                DurableFiles.forceDirectory(config.stateDir());
            }
            group.resume("resumed by the operator");
        }
    }

    /**
     * Retires the stopped tap's state directory {@code stateDir} (a failback, docs/operations.md): a tap started on it
     * refuses to serve, saying {@code where} (where the disks live now). Durable; repeatable.
     */
    public static void retire(Path stateDir, String where) throws IOException {
        DurableFiles.replace(stateDir.resolve(RETIRED_MARKER), ByteBuffer.wrap((where + "\n")
                .getBytes(StandardCharsets.UTF_8)));
    }

    /** Where a planned migration moved the disks, and at which seq (the last one written here). */
    public record Moved(long seq, String where) {}

    /** The migration recorded in {@code stateDir}, if one moved its disks. */
    public static Optional<Moved> moved(Path stateDir) throws IOException {
        Path marker = stateDir.resolve(MOVED_MARKER);
        if (!Files.exists(marker)) {
            return Optional.empty();
        }
        String[] lines = Files.readString(marker, StandardCharsets.UTF_8).split("\n", 2);
        if (lines.length < 2 || !lines[0].startsWith("seq=")) {
            throw new IOException(marker + " is not a migration's record (seq=S, then where the disks live)");
        }
        return Optional.of(new Moved(Long.parseLong(lines[0].substring(4)), lines[1].strip()));
    }

    /**
     * A planned migration's quiesce: new guest writes wait (the guest sees latency, never an error) for up to {@code
     * maxPause}, after which they go on by themselves; the writes already running complete.
     *
     * @return the group's last seq once they did (final while the hold lasts), or -1 when they did not within
     *         {@code drainWait} (the hold stays until its deadline or {@link #release})
     */
    public long hold(Duration maxPause, Duration drainWait) throws InterruptedException {
        boolean drained = group.admission().hold(maxPause.toNanos(), drainWait.toNanos());
        if (!drained) {
            return -1;
        }
        long last = group.lastSeq();
        LOG.info("consistency group {}: writes held for up to {} ms at seq {} (a planned migration)",
                config.consistencyGroupId(), maxPause.toMillis(), last);
        CrashPoint.reached(CrashPoint.Point.MIGRATE_WRITES_HELD);
        return last;
    }

    /** Ends a migration's hold: the waiting writes go on. Idempotent. */
    public void release() {
        group.admission().release();
    }

    /**
     * A planned migration's hand-off at this site: from the hold still in force at seq {@code seq}, every write is
     * refused from now on, saying {@code where} the disks live; durable in the state directory (a restarted tap keeps
     * refusing) before it returns. Repeatable with the same seq.
     *
     * @throws IllegalStateException not held (writes may have run since the drain), or the last seq is not {@code seq}
     */
    public void moveTo(long seq, String where) throws IOException {
        synchronized (pauseLock) {
            Optional<Moved> moved = moved(config.stateDir());
            if (moved.isPresent() && moved.get().seq() == seq) {
                return;
            }
            if (group.lastSeq() != seq) {
                throw new IllegalStateException("the last seq is " + group.lastSeq() + ", not " + seq
                        + ": writes ran since the drain");
            }
            group.admission().move(where);
            try {
                DurableFiles.replace(config.stateDir().resolve(MOVED_MARKER), ByteBuffer.wrap(("seq=" + seq + "\n"
                        + where + "\n").getBytes(StandardCharsets.UTF_8)));
            } catch (IOException | RuntimeException e) {
                group.admission().reinstate(); // not recorded: no hand-off, writes go on here
                throw e;
            }
            LOG.warn("consistency group {}: moved at seq {}: writes are refused here from now on ({})",
                    config.consistencyGroupId(), seq, where);
            CrashPoint.reached(CrashPoint.Point.MIGRATE_TAP_MOVED);
        }
    }

    /** Undoes {@link #moveTo} when the other site refused the hand-off: the record is removed, writes go on. */
    public void reinstate() throws IOException {
        synchronized (pauseLock) {
            reinstate(config.stateDir());
            group.admission().reinstate();
            LOG.info("consistency group {}: the migration's hand-off was refused: writes are taken here again",
                    config.consistencyGroupId());
        }
    }

    /** Removes a migration's record from the stopped or running tap's {@code stateDir}, durably. Idempotent. */
    public static void reinstate(Path stateDir) throws IOException {
        if (Files.deleteIfExists(stateDir.resolve(MOVED_MARKER))) {
            DurableFiles.forceDirectory(stateDir);
        }
    }

    /** The migration's admission of writes: OPEN, HELD or MOVED, for status. */
    public WriteAdmission admission() {
        return group.admission();
    }

    private static Path pauseMarker(TapConfig config) {
        return config.stateDir().resolve(PAUSE_MARKER);
    }

    /**
     * The resync after bitmap mode, step 1 on the stream owner: new writes wait for a seq while those given out are
     * handed off ({@link ConsistencyGroup#beginDrain}).
     *
     * @return false, changing nothing, when the group is not in BITMAP or a drain is under way
     */
    public boolean beginResyncDrain() {
        return group.beginDrain();
    }

    /** True when the drain is over: every seq given out is handed off (see {@link ConsistencyGroup#drained}). */
    public boolean resyncDrained() {
        return group.drained();
    }

    /** Gives up a drain: the writes waiting for a seq go on. Idempotent. */
    public void cancelResyncDrain() {
        group.cancelDrain();
    }

    /**
     * Step 2, once {@link #resyncDrained}: re-bases the seqs on {@code restartStream}'s answer and orders the
     * SYNC_BEGINs ({@link ConsistencyGroup#finishDrain}).
     *
     * @return the resync for {@link #runResync}; null when the group left BITMAP or the sink could not restart
     */
    public ConsistencyGroup.ResyncStart finishResyncDrain(LongSupplier restartStream) {
        return group.finishDrain(restartStream);
    }

    /**
     * Step 3, on the caller's thread (the resync thread): copies the regions between SYNC_BEGIN and SYNC_END per
     * disk, and returns to STREAMING once the gateway acknowledged the last SYNC_END.
     *
     * @return true when the group is STREAMING again; false when the resync stopped (bitmap mode again, or closing):
     *         the regions not acknowledged stay dirty
     */
    public boolean runResync(ConsistencyGroup.ResyncStart start) throws InterruptedException {
        return resync.run(start);
    }

    /**
     * {@code listener} is told when the initial sync of new disks ends (no resync starts while it runs), on its
     * thread: it must not block. Never told when there is none or it ended before: look at {@link
     * #initialSyncRunning} after this call.
     */
    public void onInitialSyncEnded(Runnable listener) {
        if (syncer != null) {
            syncer.onEnded(listener);
        }
    }

    /** The port the tap listens on. */
    public int port() {
        return server.port();
    }

    public TapConfig config() {
        return config;
    }

    /** STREAMING, RESYNCING while the initial sync of new disks or a resync after bitmap mode runs, or BITMAP. */
    public ReplicationMode mode() {
        return group.mode();
    }

    /** True while the initial sync of newly protected disks runs. */
    public boolean initialSyncRunning() {
        return syncer != null && syncer.isRunning();
    }

    /** Records handed to the sink and not yet acknowledged; at most the replication window. */
    public int unacknowledgedRecords() {
        return group.unacknowledgedCount();
    }

    /** The last seq given to a write, or {@code firstSeq - 1} before the first. */
    public long lastSeq() {
        return group.lastSeq();
    }

    /**
     * The gateway holds every record of the group up to {@code upToSeq} durably. Regions stay dirty while later
     * writes still hold them, and clear lazily after the retention period.
     *
     * @throws IllegalArgumentException for another consistency group or a seq not handed off yet
     */
    public void acknowledge(long consistencyGroupId, long upToSeq) {
        if (consistencyGroupId != group.id()) {
            throw new IllegalArgumentException("this tap serves consistency group " + group.id() + ", not " + consistencyGroupId);
        }
        group.acknowledge(upToSeq);
    }

    /**
     * From now on the gateway's acknowledgements let regions go only once its target applied the writes ({@code hold}),
     * or at once ({@link ConsistencyGroup#holdUntilApplied}).
     */
    public void holdUntilApplied(boolean hold) {
        group.holdUntilApplied(hold);
    }

    /** The gateway's target applied every record up to {@code upToSeq}: regions that waited only for that may clear. */
    public void applied(long upToSeq) {
        group.applied(upToSeq);
    }

    /**
     * The gateway that acknowledged the stream is gone with its journal: what its target had not applied, and every
     * write not acknowledged, is pinned for the resync ({@link ConsistencyGroup#acknowledgementsLost}).
     */
    public void acknowledgementsLost(String reason) {
        group.acknowledgementsLost(reason);
    }

    /**
     * Marks every region of every disk dirty and pinned, in memory: the gateway lost records it had acknowledged (whose
     * bits were let go), so the next resync copies the whole disks (holes as ZERO records). {@link #flushDirtyBits}
     * makes them durable. Takes only the trackers' and bitmaps' own locks.
     */
    public void markEveryRegionDirty() {
        for (Export export : exports) {
            export.tracker().pinAll();
        }
    }

    /**
     * Marks the regions {@code ranges} touch dirty and pinned, in memory, as {@link #markEveryRegionDirty} does for
     * every region: an operator discarded what the replica holds there (RESYNC_REGIONS). A range of a disk this tap
     * does not have is ignored, with a log line.
     */
    public void markRegionsDirty(List<ResyncRegions.Range> ranges) {
        for (ResyncRegions.Range range : ranges) {
            if (range.disk() < 0 || range.disk() >= exports.size()) {
                LOG.warn("the gateway asks for a resync of disk {}, which this tap does not have: ignored",
                        range.disk());
                continue;
            }
            exports.get(range.disk()).tracker().pin(range.offset(), range.length());
        }
    }

    /**
     * Online verify: the digests of {@code count} regions of disk {@code exportName} from {@code offset}, read only
     * where it holds data ({@link RegionDigests}), while guests write on. Reads go beside the guests' writes (positional
     * reads); the answer carries the mode around the read and the last seq after it ({@link SourceDigests}).
     */
    public SourceDigests regionDigests(String exportName, long offset, int regionBytes, int count) throws IOException {
        Export export = export(exportName);
        long stretch = group.streamingStretch();
        ReplicationMode before = group.mode();
        RegionDigests.Span span = RegionDigests.read(export.file(), offset, regionBytes, count);
        long lastSeq = group.lastSeq();
        ReplicationMode after = group.mode();
        boolean streamed = before == ReplicationMode.STREAMING && after == ReplicationMode.STREAMING
                && group.streamingStretch() == stretch;
        return new SourceDigests(before, after, streamed ? stretch : -1, lastSeq, span);
    }

    /**
     * Online verify's repair: marks the {@code ranges} of disk {@code exportName} dirty and pinned, makes that durable,
     * then moves the group to bitmap mode, whose listener starts the usual region resync (only the regions dirty
     * now: these and whatever the guests write meanwhile). Safe to repeat: a region already dirty stays so.
     */
    public void resyncRegions(String exportName, List<Extent> ranges) throws IOException {
        Export export = export(exportName);
        for (Extent range : ranges) {
            export.tracker().pin(range.offset(), range.length());
        }
        export.tracker().bitmap().flush();
        LOG.info("online verify: {} range(s) of {} marked for resync", ranges.size(), exportName);
        group.replicationLost("online verify --repair: differing regions marked for resync");
    }

    /** The names and sizes of the disks, in the order of the configuration. */
    public Map<String, Long> diskSizes() {
        Map<String, Long> sizes = new LinkedHashMap<>();
        exports.forEach(export -> sizes.put(export.name(), export.sizeBytes()));
        return sizes;
    }

    private Export export(String exportName) {
        return exports.stream().filter(export -> export.name().equals(exportName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no disk named " + exportName));
    }

    /** Makes every dirty bit set so far durable. */
    public void flushDirtyBits() throws IOException {
        for (Export export : exports) {
            export.tracker().bitmap().flush();
        }
    }

    /** The dirty regions of a disk, as in memory now (bit i = region i). */
    public BitSet dirtyRegions(String exportName) {
        return tracker(exportName).bitmap().snapshot();
    }

    /**
     * The regions of a disk that must stay dirty now: held by writes the gateway has not acknowledged, pinned for a
     * resync or waiting for the initial sync. {@link #dirtyRegions} may hold more: the activity log's hot extents
     * and regions idle for less than a retention period.
     */
    public BitSet regionsThatMustStayDirty(String exportName) {
        return tracker(exportName).mustStayDirty();
    }

    private RegionTracker tracker(String exportName) {
        return export(exportName).tracker();
    }

    /**
     * Stops accepting NBD clients and lets in-flight requests finish (up to the shutdown timeout); the disks stay
     * open, so acknowledgements of records already handed off can still clear dirty regions. Idempotent.
     */
    public synchronized void stopServing() throws IOException {
        if (serving) {
            serving = false;
            try {
                server.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while draining NBD requests", e);
            }
        }
    }

    /**
     * Lets a sweep under way finish: interrupting it mid-fdatasync would close the bitmap's channel
     * (ClosedByInterruptException) and leave the bitmap failed, so close would fail and bits stay stale.
     */
    private void stopSweeper() {
        sweeper.shutdown();
        try {
            if (!sweeper.awaitTermination(SWEEPER_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("a dirty-bitmap sweep did not finish within {}; closing anyway", SWEEPER_STOP_TIMEOUT);
                sweeper.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sweeper.shutdownNow();
        }
    }

    /**
     * Clean shutdown: stops serving, clears the dirty regions whose writes the gateway acknowledged, then makes
     * the disks and the bitmaps durable and closes them.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        if (syncer != null) {
            syncer.close(); // what it has not covered stays dirty for a resync
        }
        resync.close(); // likewise
        try {
            stopServing();
        } catch (IOException e) {
            failure = e;
        }
        stopSweeper();
        group.unregisterMetrics();
        bitmapGauges.forEach(registry::remove);
        for (Export export : exports) {
            try {
                export.tracker().clearIdleNow();
                export.flush();
                export.close();
            } catch (IOException | RuntimeException e) {
                if (failure == null) {
                    failure = new IOException("closing the tap's disks failed");
                }
                failure.addSuppressed(e);
            }
        }
        try {
            stateDirLock.close();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        LOG.info("tap on port {} closed", server.port());
    }
}
