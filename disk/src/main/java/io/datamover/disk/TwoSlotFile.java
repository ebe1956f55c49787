package io.datamover.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A small state record kept in two fixed-size slots of one file. A new version overwrites, in place, the slot that
 * does not hold the newest one, and is forced before {@link #write} returns: a torn write leaves the other slot whole,
 * and once the file exists a new version allocates no space. That matters on a full disk, where a temporary file and
 * a rename would need a new block first and fail with ENOSPC: a daemon must still be able to start, and move its
 * marks, on the disk its own journal filled.
 *
 * <p>The first version creates the file whole, both slots allocated ({@link DurableFiles#replace}). A file shorter
 * than two slots is an earlier single-record layout: it is decoded whole and replaced by two slots at the next write.
 *
 * @param <T> the record
 */
public final class TwoSlotFile<T> {

    /** How a record is laid out in a slot, and which of two is newer. */
    public interface Format<T> {
        /** A slot's size: at most one record, ideally a multiple of the 512-byte sector. */
        int slotBytes();

        /** The record in {@code slot} (a whole slot, or a whole earlier single-record file), or null if none. */
        T decode(ByteBuffer slot);

        /** The record's bytes, at most {@link #slotBytes()}, with their own check (a CRC) so a torn slot is seen. */
        ByteBuffer encode(T record);

        /** Whether {@code a} replaced {@code b}. */
        boolean isNewer(T a, T b);
    }

    private final Path file;
    private final Format<T> format;

    public TwoSlotFile(Path file, Format<T> format) {
        this.file = file;
        this.format = format;
    }

    public Path file() {
        return file;
    }

    /**
     * The newest valid record, or null when the file does not exist.
     *
     * @throws IOException when the file exists and holds no valid record (damaged, or not ours): never a guess
     */
    public T read() throws IOException {
        byte[] bytes;
        try {
            if (Files.size(file) > 2L * format.slotBytes()) {
                throw new IOException(file + " is larger than two slots of " + format.slotBytes() + " bytes: not ours");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        Newest<T> newest = newest(bytes);
        if (newest.record == null) {
            throw new IOException(file + " holds no valid record (damaged, or not written by this program)");
        }
        return newest.record;
    }

    /** Makes {@code record} the newest version, durably; in place over the older slot once the file has two. */
    public void write(T record) throws IOException {
        ByteBuffer encoded = format.encode(record);
        if (encoded.remaining() > format.slotBytes()) {
            throw new IllegalArgumentException(encoded.remaining() + " bytes do not fit a slot of "
                    + format.slotBytes());
        }
        int fileBytes = 2 * format.slotBytes();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (channel.size() == fileBytes) {
                ByteBuffer slots = ByteBuffer.allocate(fileBytes);
                while (slots.hasRemaining() && channel.read(slots, slots.position()) >= 0) {
                    // read it all
                }
                long at = newest(slots.array()).slot == 0 ? format.slotBytes() : 0;
                while (encoded.hasRemaining()) {
                    at += channel.write(encoded, at);
                }
                channel.force(false);
                return;
            }
        } catch (NoSuchFileException e) {
            // the first version: created below
        }
        ByteBuffer image = ByteBuffer.allocate(fileBytes);
        image.put(encoded);
        image.clear();
        DurableFiles.replace(file, image);
    }

    private record Newest<T>(T record, int slot) {}

    /** The newest valid record and its slot (0 or 1; -1 for none, or for an earlier single-record file). */
    private Newest<T> newest(byte[] bytes) {
        int slotBytes = format.slotBytes();
        if (bytes.length != 2 * slotBytes) {
            return new Newest<>(bytes.length < slotBytes ? format.decode(ByteBuffer.wrap(bytes)) : null, -1);
        }
        T first = format.decode(ByteBuffer.wrap(bytes, 0, slotBytes).slice());
        T second = format.decode(ByteBuffer.wrap(bytes, slotBytes, slotBytes).slice());
        if (first == null || second == null) {
            return first == null ? new Newest<>(second, second == null ? -1 : 1) : new Newest<>(first, 0);
        }
        return format.isNewer(second, first) ? new Newest<>(second, 1) : new Newest<>(first, 0);
    }
}
