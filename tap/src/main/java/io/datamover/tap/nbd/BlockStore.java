package io.datamover.tap.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Disks served by name that are not the tap's own (a rehearsal's copy-on-write view): reads and writes only,
 * nothing replicated. An {@link IOException} whose message starts with "No space left" reaches the client as ENOSPC.
 */
public interface BlockStore {
    /** Fills {@code dst} from disk {@code export} at {@code offset}. */
    void read(String export, ByteBuffer dst, long offset) throws IOException;

    /** Writes all of {@code data} to disk {@code export} at {@code offset}. */
    void write(String export, ByteBuffer data, long offset) throws IOException;
}
