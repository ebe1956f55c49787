package io.datamover.applier;

import io.datamover.disk.DurableFiles;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.ResyncRegions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the resync after a discard of the replica's data must cover, kept as {@code discarded-regions} (the
 * RESYNC_REGIONS frame itself, CRC and all) from the discard until every disk is UP_TO_DATE again, so that a source
 * that did not get it at the discard's connection gets it at the next one. A damaged file is read as "everything".
 */
final class DiscardReport {
    private static final Logger LOG = LoggerFactory.getLogger(DiscardReport.class);
    static final String FILE_NAME = "discarded-regions";

    private DiscardReport() {}

    /** Keeps {@code regions}, durably. */
    static void write(Path directory, ResyncRegions regions) throws IOException {
        DurableFiles.replace(directory.resolve(FILE_NAME), ByteBuffer.wrap(regions.toBytes()));
    }

    /** The kept report, or empty when there is none. */
    static Optional<ResyncRegions> read(Path directory, int cgId) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        try {
            ResyncRegions regions = ResyncRegions.fromBytes(Files.readAllBytes(file));
            if (regions.cg() == cgId) {
                return Optional.of(regions);
            }
            LOG.warn("{} is for consistency group {}: the resync covers the whole disks", file,
                    Integer.toUnsignedString(regions.cg()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (ProtocolException e) {
            LOG.warn("{} is damaged ({}): the resync covers the whole disks", file, e.getMessage());
        }
        return Optional.of(ResyncRegions.everything(cgId));
    }

    /** The resync is over: forgets the report, durably. Idempotent. */
    static void delete(Path directory) throws IOException {
        if (Files.deleteIfExists(directory.resolve(FILE_NAME))) {
            DurableFiles.forceDirectory(directory);
        }
    }
}
