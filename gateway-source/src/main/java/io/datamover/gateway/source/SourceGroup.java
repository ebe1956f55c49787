package io.datamover.gateway.source;

import io.datamover.disk.PrivateFiles;
import io.datamover.gateway.source.journal.JournalConfig;
import io.datamover.gateway.source.journal.JournalRollCycle;
import io.datamover.gateway.source.receiver.JournalWriter;
import io.datamover.gateway.source.ship.Shipper;
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

    private final CgIdentity identity;
    private final JournalWriter writer;
    private final Shipper shipper;
    /** Disks whose SYNC_BEGIN came from the tap since this gateway started, and not yet their SYNC_END. */
    private final Set<Integer> disksSyncing = ConcurrentHashMap.newKeySet();
    /** Why the latest tap connection of this group ended on an error; null when none did. */
    private volatile String lastTapError;

    private SourceGroup(CgIdentity identity, JournalWriter writer, Shipper shipper) {
        this.identity = identity;
        this.writer = writer;
        this.shipper = shipper;
    }

    /** The directory of group {@code cgId} under the gateway's data directory. */
    static Path directory(Path dataDir, CgIdentity identity) {
        return dataDir.resolve(DIRECTORY_PREFIX + identity.cgLabel());
    }

    /**
     * Opens the group in {@code directory}, creating it (identity first, then the journal) on first contact.
     * Blocking: disk I/O and journal recovery.
     */
    static SourceGroup open(Path directory, CgIdentity identity, SourceGatewayConfig config, MeterRegistry registry,
            InstantSource clock) throws IOException {
        PrivateFiles.createDirectories(directory);
        if (CgIdentityFile.read(directory).isEmpty()) {
            CgIdentityFile.write(directory, identity);
        }
        JournalConfig journal = new JournalConfig(directory.resolve("journal"), config.journalMaxBytes(),
                JournalRollCycle.FIVE_MINUTELY, config.frameLimits());
        // The writer wakes the shipper after each sync, but starts first: the shipper needs its journal.
        AtomicReference<Shipper> shipper = new AtomicReference<>();
        JournalWriter writer = JournalWriter.start(identity.cgLabel(), journal, config.maxQueuedBytes(),
                durableSeq -> {
                    Shipper s = shipper.get();
                    if (s != null) {
                        s.durableAdvanced();
                    }
                }, registry, clock);
        try {
            shipper.set(Shipper.start(config.shipper(), config.gatewayId(), identity, writer.journal(), writer::release,
                    registry, clock));
        } catch (RuntimeException e) {
            writer.close();
            throw e;
        }
        return new SourceGroup(identity, writer, shipper.get());
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
        } else {
            disksSyncing.remove(disk);
        }
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
