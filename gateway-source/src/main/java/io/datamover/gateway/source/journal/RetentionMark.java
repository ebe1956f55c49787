package io.datamover.gateway.source.journal;

import io.datamover.disk.DurableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The durable retention point: every seq up to {@code releasedSeq} is shipped and acknowledged, and
 * the first entry not released is at Chronicle index {@code index} (or later). Kept in its own small
 * file, fsynced, because Chronicle keeps its own bookkeeping (named tailer positions, table store) in
 * a mapped file it never syncs: after a machine crash that could go back in time while the journal's
 * synced entries do not.
 *
 * <p>The file has two slots, each in its own sector, and a new mark overwrites the slot that does not hold the
 * newest one, in place: a torn write leaves the other slot whole, and moving the mark allocates no space. That
 * matters on a full disk, where moving the mark is what lets the journal delete cycle files and free space
 * (a temporary file and a rename would need a block first, and fail with ENOSPC).
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
    private static final int FILE_BYTES = 2 * SLOT_BYTES;

    /** Reads the mark in {@code directory}, or null when none was ever written. */
    static RetentionMark read(Path directory) throws JournalStorageException {
        Path file = directory.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return null;
        }
        try {
            RetentionMark newest = newest(Files.readAllBytes(file));
            if (newest == null) {
                throw new JournalStorageException(file + " holds no valid version " + VERSION
                        + " retention mark: refusing to guess where the journal starts");
            }
            return newest;
        } catch (IOException e) {
            throw new JournalStorageException("cannot read " + file, e);
        }
    }

    /** The valid slot with the highest released seq, or null when no slot is valid (or the layout is unknown). */
    private static RetentionMark newest(byte[] bytes) {
        if (bytes.length == LENGTH) {
            return slot(ByteBuffer.wrap(bytes));
        }
        if (bytes.length != FILE_BYTES) {
            return null;
        }
        RetentionMark first = slot(ByteBuffer.wrap(bytes, 0, SLOT_BYTES).slice());
        RetentionMark second = slot(ByteBuffer.wrap(bytes, SLOT_BYTES, SLOT_BYTES).slice());
        if (first == null || second == null) {
            return first == null ? second : first;
        }
        return second.releasedSeq > first.releasedSeq ? second : first;
    }

    private static RetentionMark slot(ByteBuffer b) {
        if (b.getInt(0) != MAGIC || b.getInt(4) != VERSION || b.getInt(LENGTH - 4) != crc(b)) {
            return null;
        }
        return new RetentionMark(b.getLong(8), b.getLong(16));
    }

    /**
     * Replaces the mark durably: after this returns, a crash cannot bring back an older one. In place over the
     * older slot (no space allocated) once the file has its two slots; the first time, a new file.
     */
    void write(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        try {
            writeTo(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the retention mark in " + directory, e);
        }
    }

    private void writeTo(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (channel.size() == FILE_BYTES) {
                ByteBuffer slots = ByteBuffer.allocate(FILE_BYTES);
                while (slots.hasRemaining() && channel.read(slots, slots.position()) >= 0) {
                    // read it all
                }
                RetentionMark current = newest(slots.array());
                boolean firstIsCurrent = current != null && current.equals(slot(slots.slice(0, SLOT_BYTES)));
                ByteBuffer b = encoded();
                long at = firstIsCurrent ? SLOT_BYTES : 0;
                while (b.hasRemaining()) {
                    at += channel.write(b, at);
                }
                channel.force(false);
                return;
            }
        } catch (NoSuchFileException e) {
            // first mark of this journal: created below
        }
        ByteBuffer image = ByteBuffer.allocate(FILE_BYTES);
        image.put(encoded());
        image.clear();
        DurableFiles.replace(file, image);
    }

    private ByteBuffer encoded() {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        b.putInt(MAGIC).putInt(VERSION).putLong(releasedSeq).putLong(index);
        b.putInt(crc(b));
        return b.flip();
    }

    private static int crc(ByteBuffer b) {
        CRC32C crc = new CRC32C();
        crc.update(b.slice(0, LENGTH - 4));
        return (int) crc.getValue();
    }
}
