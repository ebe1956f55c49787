package io.datamover.gateway.source.journal;

import io.datamover.disk.DurableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The durable retention point: every seq up to {@code releasedSeq} is shipped and acknowledged, and
 * the first entry not released is at Chronicle index {@code index} (or later). Kept in its own small
 * file, written to a temporary file, fsynced and renamed, because Chronicle keeps its own
 * bookkeeping (named tailer positions, table store) in a mapped file it never syncs: after a
 * machine crash that could go back in time while the journal's synced entries do not.
 *
 * <p>Format (28 bytes, big-endian): magic u32 "DMJR", version u32 = 1, releasedSeq u64, index u64,
 * CRC32C u32 of the preceding bytes.
 */
record RetentionMark(long releasedSeq, long index) {
    static final String FILE_NAME = "retention.mark";
    /** No index known: start from the first entry on disk. */
    static final long NO_INDEX = -1;
    private static final int MAGIC = 0x444D4A52; // DMJR
    private static final int VERSION = 1;
    private static final int LENGTH = 4 + 4 + 8 + 8 + 4;

    /** Reads the mark in {@code directory}, or null when none was ever written. */
    static RetentionMark read(Path directory) throws JournalStorageException {
        Path file = directory.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return null;
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
            if (b.remaining() != LENGTH || b.getInt(0) != MAGIC || b.getInt(4) != VERSION
                    || b.getInt(LENGTH - 4) != crc(b)) {
                throw new JournalStorageException(file + " is not a valid version " + VERSION
                        + " retention mark: refusing to guess where the journal starts");
            }
            return new RetentionMark(b.getLong(8), b.getLong(16));
        } catch (IOException e) {
            throw new JournalStorageException("cannot read " + file, e);
        }
    }

    /** Replaces the mark durably: after this returns, a crash cannot bring back an older one. */
    void write(Path directory) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        b.putInt(MAGIC).putInt(VERSION).putLong(releasedSeq).putLong(index);
        b.putInt(crc(b));
        b.flip();
        try {
            DurableFiles.replace(directory.resolve(FILE_NAME), b);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the retention mark in " + directory, e);
        }
    }

    private static int crc(ByteBuffer b) {
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, LENGTH - 4);
        return (int) crc.getValue();
    }
}
