package io.datamover.tap.sync;

import io.datamover.disk.Extent;
import io.datamover.disk.SparseFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.BitSet;

/** The regions a newly protected disk's bitmap starts with: what the initial sync must cover. */
public final class SyncRegions {

    /** Region 0 is always set: the sync's witness, cleared only once SYNC_END is acknowledged. */
    public static final int WITNESS_REGION = 0;

    private SyncRegions() {
    }

    /**
     * With {@link InitialSync#AUTO}, every region holding an allocated extent (SEEK_DATA/SEEK_HOLE, nothing read),
     * plus the witness; with {@link InitialSync#SKIP}, the witness alone.
     */
    public static BitSet toMarkDirty(SparseFile file, int regionSizeBytes, InitialSync initialSync) throws IOException {
        BitSet regions = new BitSet();
        regions.set(WITNESS_REGION);
        if (initialSync == InitialSync.SKIP) {
            return regions;
        }
        regions.or(allocatedFrom(file, 0, regionSizeBytes));
        return regions;
    }

    /**
     * The regions holding allocated blocks from {@code fromBytes} (its region included) to the end: what a disk that
     * grew must resync of its new part, since its replica grows with zeros (a plain growth allocates nothing).
     */
    public static BitSet allocatedFrom(SparseFile file, long fromBytes, int regionSizeBytes) throws IOException {
        return allocatedBetween(file, fromBytes, file.size(), regionSizeBytes);
    }

    /** As {@link #allocatedFrom}, up to {@code toBytes}: the size a disk grew to, though its image may grow on. */
    public static BitSet allocatedBetween(SparseFile file, long fromBytes, long toBytes, int regionSizeBytes)
            throws IOException {
        BitSet regions = new BitSet();
        try {
            for (Extent extent : file.dataExtents(fromBytes, toBytes)) {
                regions.set(Math.toIntExact(extent.offset() / regionSizeBytes),
                        Math.toIntExact((extent.end() - 1) / regionSizeBytes) + 1);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return regions;
    }
}
