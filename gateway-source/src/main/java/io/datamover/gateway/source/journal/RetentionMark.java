package io.datamover.gateway.source.journal;

import io.datamover.disk.TwoSlotFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The durable retention point: every seq up to {@code releasedSeq} is shipped and acknowledged, and
 * the first entry not released is at Chronicle index {@code index} (or later). Kept in its own small
 * file, fsynced, because Chronicle keeps its own bookkeeping (named tailer positions, table store) in
 * a mapped file it never syncs: after a machine crash that could go back in time while the journal's
 * synced entries do not.
 *
 * <p>The file has two slots, each in its own sector ({@link TwoSlotFile}): moving the mark allocates no space. That
 * matters on a full disk, where moving the mark is what lets the journal delete cycle files and free space.
 *
 * <p>Slot format (28 bytes, big-endian, at offsets 0 and {@value #SLOT_BYTES}): magic u32 "DMJR", version u32 = 1,
 * releasedSeq u64, index u64, CRC32C u32 of the preceding bytes. A file of one slot alone (28 bytes, as
 * earlier versions wrote it) is read as such and rewritten with two slots the next time the mark moves.
 */
record RetentionMark(long releasedSeq, long index) {
    static final String FILE_NAME = "retention.mark";
    /** No index known: start from the first entry on disk. */
    static final long NO_INDEX = -1;
    private static final int MAGIC = 0x444D4A52; // DMJR
    private static final int VERSION = 1;
    private static final int LENGTH = 4 + 4 + 8 + 8 + 4;
    /** One sector per slot, so that writing one never tears the other. */
    static final int SLOT_BYTES = 512;

    /** Reads the mark in {@code directory}, or null when none was ever written. */
    static RetentionMark read(Path directory) throws JournalStorageException {
        TwoSlotFile<RetentionMark> file = file(directory);
        try {
            return file.read();
        } catch (IOException e) {
            throw new JournalStorageException("cannot read a version " + VERSION + " retention mark in "
                    + file.file() + ": refusing to guess where the journal starts", e);
        }
    }

    /**
     * Replaces the mark durably: after this returns, a crash cannot bring back an older one. In place over the
     * older slot (no space allocated) once the file has its two slots; the first time, a new file.
     */
    void write(Path directory) {
        try {
            file(directory).write(this);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the retention mark in " + directory, e);
        }
    }

    private static TwoSlotFile<RetentionMark> file(Path directory) {
        return new TwoSlotFile<>(directory.resolve(FILE_NAME), FORMAT);
    }

    private static final TwoSlotFile.Format<RetentionMark> FORMAT = new TwoSlotFile.Format<>() {
        @Override
        public int slotBytes() {
            return SLOT_BYTES;
        }

        @Override
        public RetentionMark decode(ByteBuffer b) {
            if (b.remaining() < LENGTH || b.getInt(0) != MAGIC || b.getInt(4) != VERSION
                    || b.getInt(LENGTH - 4) != crc(b)) {
                return null;
            }
            return new RetentionMark(b.getLong(8), b.getLong(16));
        }

        @Override
        public ByteBuffer encode(RetentionMark mark) {
            ByteBuffer b = ByteBuffer.allocate(LENGTH);
            b.putInt(MAGIC).putInt(VERSION).putLong(mark.releasedSeq).putLong(mark.index);
            b.putInt(crc(b));
            return b.flip();
        }

        @Override
        public boolean isNewer(RetentionMark a, RetentionMark b) {
            return a.releasedSeq > b.releasedSeq;
        }
    };

    private static int crc(ByteBuffer b) {
        CRC32C crc = new CRC32C();
        crc.update(b.slice(0, LENGTH - 4));
        return (int) crc.getValue();
    }
}
