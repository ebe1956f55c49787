package io.datamover.gateway.source;

import io.datamover.disk.PrivateFiles;
import io.datamover.gateway.source.journal.JournalConfig;
import io.datamover.gateway.source.receiver.JournalWriter;
import io.datamover.gateway.source.ship.Shipper;
import io.datamover.gateway.source.ship.ShippingGate;
import io.datamover.protocol.ResyncRegions;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One consistency group at the source gateway: its identity, its journal (owned by a {@link JournalWriter})
 * and the shipper that drains the journal to the target. Lives in {@code <data-dir>/cg-<id>}.
 */
final class SourceGroup implements AutoCloseable {
    static final String DIRECTORY_PREFIX = "cg-";
    /**
     * File descriptors a group holds, an upper estimate: the journal's queue metadata and cycle files (Chronicle
     * keeps a few cycles mapped while the shipper and the retention tailer read behind the appender), the
     * retention mark, the shipper's event loop, the tap's and the shipper's connections. Measured: 8 per group with
     * the journal in one cycle and neither connection up (10 groups on a test gateway); the rest is margin.
     */
    static final int DESCRIPTORS = 32;

    private final CgIdentity identity;
    private final JournalWriter writer;
    private final Shipper shipper;
    private final TapResyncRequest tapResync;
    /** Disks whose SYNC_BEGIN came from the tap since this gateway started, and not yet their SYNC_END. */
    private final Set<Integer> disksSyncing = ConcurrentHashMap.newKeySet();
    /** Why the latest tap connection of this group ended on an error; null when none did. */
    private volatile String lastTapError;

    private SourceGroup(CgIdentity identity, JournalWriter writer, Shipper shipper, TapResyncRequest tapResync) {
        this.identity = identity;
        this.writer = writer;
        this.shipper = shipper;
        this.tapResync = tapResync;
    }

    /** The directory of group {@code cgId} under the gateway's data directory. */
    static Path directory(Path dataDir, CgIdentity identity) {
        return dataDir.resolve(DIRECTORY_PREFIX + identity.cgLabel());
    }

    /**
     * Opens the group in {@code directory}, creating it (identity first, then the journal) on first contact.
     * Blocking: disk I/O and journal recovery.
     *
     * @param gate open while this gateway may ship the group (it leads it in its site's gateway group)
     * @param failed called on the failing thread when the journal's owner or the shipper stopped on an unexpected
     *     failure ({@link #failure()}): the group must be closed and opened again
     */
    static SourceGroup open(Path directory, CgIdentity identity, SourceGatewayConfig config, MeterRegistry registry,
            InstantSource clock, Runnable failed, ShippingGate gate) throws IOException {
        PrivateFiles.createDirectories(directory);
        if (CgIdentityFile.read(directory).isEmpty()) {
            CgIdentityFile.write(directory, identity);
        }
        JournalConfig journal = new JournalConfig(directory.resolve("journal"), config.journalMaxBytes(),
                config.journalRollCycle(), config.frameLimits());
        // The writer wakes the shipper after each sync, but starts first: the shipper needs its journal.
        AtomicReference<Shipper> shipper = new AtomicReference<>();
        JournalWriter writer = JournalWriter.start(identity.cgLabel(), journal, config.maxQueuedBytes(),
                durableSeq -> {
                    Shipper s = shipper.get();
                    if (s != null) {
                        s.durableAdvanced();
                    }
                }, failed, registry, clock);
        try {
            GenerationLog generations = GenerationLog.openAndStart(directory, identity.cgLabel(),
                    writer.journal().durableSeq());
            shipper.set(Shipper.start(config.shipper(), config.gatewayId(), identity, writer.journal(), generations,
                    writer::release, failed, registry, clock, gate));
        } catch (IOException | RuntimeException e) {
            writer.close();
            throw e;
        }
        return new SourceGroup(identity, writer, shipper.get(), TapResyncRequest.open(directory, identity));
    }

    CgIdentity identity() {
        return identity;
    }

    JournalWriter writer() {
        return writer;
    }

    Shipper shipper() {
        return shipper;
    }

    void syncMarker(int disk, boolean begins) {
        if (begins) {
            disksSyncing.add(disk);
            tapResync.syncBegan(disk);
        } else {
            disksSyncing.remove(disk);
            tapResync.syncEnded(disk);
        }
    }

    /**
     * What a tap connecting now is to resync (once per run while one is owed and the target reported what), or null.
     */
    ResyncRegions tellTapToResync() {
        return tapResync.tellOnce();
    }

    /** Whether the target's report of what the tap's owed resync covers is awaited. */
    boolean awaitingTargetReport() {
        return tapResync.awaitingReport();
    }

    /** The target's report of what the tap's owed resync covers; true when it was awaited (the tap is to be told). */
    boolean targetReported(ResyncRegions regions) throws IOException {
        return tapResync.reported(regions);
    }

    /**
     * {@code datamover resync --discard replica}: the tap's resync is recorded as owed before
     * the shipper starts the generation that has the replica give up its data (see {@link Shipper#discardReplica}).
     */
    String discardReplica() throws IOException {
        return shipper.discardReplica(tapResync::request);
    }

    Set<Integer> disksSyncing() {
        return Set.copyOf(disksSyncing);
    }

    void tapError(String error) {
        lastTapError = error;
    }

    String lastTapError() {
        return lastTapError;
    }

    /** The unexpected failure that stopped one of the group's threads, or null while both run. */
    String failure() {
        String writerFailure = writer.failure();
        String shipperFailure = shipper.failure();
        if (writerFailure != null) {
            return "the journal's owner thread failed: " + writerFailure;
        }
        return shipperFailure == null ? null : "the shipper failed: " + shipperFailure;
    }

    /** What keeps the journal from taking records or shipping, for status; null when nothing does. */
    String journalError() {
        String failed = failure();
        return failed != null ? failed : writer.storageError();
    }

    /** Stops shipping, then makes what the tap sent durable and closes the journal. */
    @Override
    public void close() {
        try {
            shipper.close();
        } finally {
            writer.close();
        }
    }
}
