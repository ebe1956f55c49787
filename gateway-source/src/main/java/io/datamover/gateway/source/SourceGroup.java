package io.datamover.gateway.source;

import io.datamover.gateway.source.journal.JournalConfig;
import io.datamover.gateway.source.journal.JournalRollCycle;
import io.datamover.gateway.source.receiver.JournalWriter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;

/**
 * One consistency group at the source gateway: its identity, its journal (owned by a {@link JournalWriter})
 * and the shipper that drains the journal to the target. Lives in {@code <data-dir>/cg-<id>}.
 */
final class SourceGroup implements AutoCloseable {
    static final String DIRECTORY_PREFIX = "cg-";

    private final CgIdentity identity;
    private final JournalWriter writer;

    private SourceGroup(CgIdentity identity, JournalWriter writer) {
        this.identity = identity;
        this.writer = writer;
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
        Files.createDirectories(directory);
        if (CgIdentityFile.read(directory).isEmpty()) {
            CgIdentityFile.write(directory, identity);
        }
        JournalConfig journal = new JournalConfig(directory.resolve("journal"), config.journalMaxBytes(),
                JournalRollCycle.FIVE_MINUTELY, config.frameLimits());
        JournalWriter writer = JournalWriter.start(identity.cgLabel(), journal, config.maxQueuedBytes(),
                durableSeq -> { }, registry, clock);
        return new SourceGroup(identity, writer);
    }

    CgIdentity identity() {
        return identity;
    }

    JournalWriter writer() {
        return writer;
    }

    /** Makes what the tap sent durable and closes the journal. */
    @Override
    public void close() {
        writer.close();
    }
}
