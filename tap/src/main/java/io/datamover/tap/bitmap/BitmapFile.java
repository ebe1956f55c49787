package io.datamover.tap.bitmap;

import io.datamover.disk.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.zip.CRC32C;

/**
 * On-disk format of one disk's dirty bitmap.
 *
 * <pre>
 * offset 0    8 bytes  magic "DMDIRTY1"
 *        8    4 bytes  format version (1)
 *        12   4 bytes  region size in bytes
 *        16   8 bytes  disk size in bytes
 *        24   8 bytes  region count
 *        32   4 bytes  CRC32C of bytes 0..31
 *        ...  zero up to HEADER_BYTES
 * HEADER_BYTES         the bits: bit r is bit (r % 64) of the little-endian 64-bit word r / 64
 * </pre>
 * The header is big-endian and written once, when the file is created (through a temporary file and an atomic
 * rename), so a crash never leaves a half-written header. The bits are rewritten page by page afterwards; a torn
 * page is harmless because every bit that differs between its old and new content is either a new 1 not yet
 * promised to anyone or a 0 that was safe to clear (see {@link DirtyBitmap}).
 */
final class BitmapFile implements AutoCloseable {

    static final long MAGIC = 0x444D_4449_5254_5931L; // "DMDIRTY1"
    static final int VERSION = 1;
    static final int HEADER_BYTES = 4096;
    static final int PAGE_BYTES = 4096;
    static final int WORDS_PER_PAGE = PAGE_BYTES / Long.BYTES;
    private static final int HEADER_CHECKED_BYTES = 32;

    private final Path path;
    private final FileChannel channel;
    private final boolean created;

    private BitmapFile(Path path, FileChannel channel, boolean created) {
        this.path = path;
        this.channel = channel;
        this.created = created;
    }

    /** True when this open created the file (the disk was not protected before). */
    boolean created() {
        return created;
    }

    Path path() {
        return path;
    }

    /**
     * Opens the file, or creates it if absent with the regions {@code initialDirty} gives set (asked only then);
     * refuses a file whose header does not match.
     */
    static BitmapFile openOrCreate(Path path, long diskSizeBytes, int regionSizeBytes,
            DirtyBitmap.InitialRegions initialDirty) throws IOException {
        long regionCount = regionCount(diskSizeBytes, regionSizeBytes);
        boolean created = Files.notExists(path);
        if (created) {
            create(path, diskSizeBytes, regionSizeBytes, regionCount, initialDirty.regions());
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            validateHeader(path, channel, diskSizeBytes, regionSizeBytes, regionCount);
            return new BitmapFile(path, channel, created);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    static long regionCount(long diskSizeBytes, int regionSizeBytes) {
        return (diskSizeBytes + regionSizeBytes - 1) / regionSizeBytes;
    }

    static int wordCount(long regionCount) {
        long words = (regionCount + 63) / 64;
        if (words > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many regions for one bitmap: " + regionCount);
        }
        return (int) words;
    }

    /**
     * Header and initial bits go to a temporary file renamed into place: the file never exists without them.
     * Not {@link DurableFiles#replace}: that writes every byte, while the clean bits here stay a hole.
     */
    private static void create(Path path, long diskSizeBytes, int regionSizeBytes, long regionCount, BitSet dirty)
            throws IOException {
        if (dirty.length() > regionCount) {
            throw new IllegalArgumentException("initial dirty region " + (dirty.length() - 1) + " outside [0, "
                    + regionCount + ")");
        }
        Path temporary = path.resolveSibling(path.getFileName() + ".new");
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
        header.putLong(MAGIC).putInt(VERSION).putInt(regionSizeBytes).putLong(diskSizeBytes).putLong(regionCount);
        header.putInt(headerCrc(header, 0));
        header.clear();
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            writeFully(channel, header, 0);
            long bitsBytes = (long) wordCount(regionCount) * Long.BYTES;
            // One zero byte at the end sizes the file; the bits before it stay a hole and read as clean.
            writeFully(channel, ByteBuffer.allocate(1), HEADER_BYTES + bitsBytes - 1);
            long[] words = dirty.toLongArray();
            if (words.length > 0) {
                ByteBuffer bits = ByteBuffer.allocate(words.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                bits.asLongBuffer().put(words);
                writeFully(channel, bits, HEADER_BYTES);
            }
            channel.force(true);
        }
        Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE);
        DurableFiles.forceDirectory(path.toAbsolutePath().getParent());
    }

    private static void validateHeader(Path path, FileChannel channel, long diskSizeBytes, int regionSizeBytes,
            long regionCount) throws IOException {
        if (channel.size() < HEADER_BYTES) {
            throw new BitmapFormatException(path, "shorter than its header (" + channel.size() + " bytes)");
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER_CHECKED_BYTES + Integer.BYTES).order(ByteOrder.BIG_ENDIAN);
        readFully(channel, header, 0);
        header.flip();
        long magic = header.getLong(0);
        if (magic != MAGIC) {
            throw new BitmapFormatException(path, "bad magic 0x" + Long.toHexString(magic));
        }
        int crc = header.getInt(HEADER_CHECKED_BYTES);
        if (crc != headerCrc(header, 0)) {
            throw new BitmapFormatException(path, "header checksum mismatch");
        }
        int version = header.getInt(8);
        if (version != VERSION) {
            throw new BitmapFormatException(path, "unsupported version " + version + " (this build reads " + VERSION + ")");
        }
        int fileRegionSize = header.getInt(12);
        long fileDiskSize = header.getLong(16);
        long fileRegionCount = header.getLong(24);
        if (fileRegionSize != regionSizeBytes) {
            throw new BitmapFormatException(path, "region size " + fileRegionSize + " bytes, configured " + regionSizeBytes);
        }
        if (fileDiskSize != diskSizeBytes) {
            throw new BitmapFormatException(path, "disk size " + fileDiskSize + " bytes, the disk has " + diskSizeBytes);
        }
        long expectedBytes = HEADER_BYTES + (long) wordCount(regionCount) * Long.BYTES;
        if (fileRegionCount != regionCount || channel.size() < expectedBytes) {
            throw new BitmapFormatException(path, "truncated or inconsistent: " + channel.size() + " bytes, need " + expectedBytes);
        }
    }

    private static int headerCrc(ByteBuffer header, int from) {
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate().position(from).limit(from + HEADER_CHECKED_BYTES));
        return (int) crc.getValue();
    }

    /** Reads every word of the bitmap. */
    long[] readWords(int wordCount) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(wordCount * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, bytes, HEADER_BYTES);
        bytes.flip();
        long[] words = new long[wordCount];
        bytes.asLongBuffer().get(words);
        return words;
    }

    /** Writes words {@code [firstWord, firstWord + words.length)}, taken from a snapshot. */
    void writeWords(int firstWord, long[] words) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(words.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(words);
        writeFully(channel, bytes, HEADER_BYTES + (long) firstWord * Long.BYTES);
    }

    /** fdatasync. */
    void sync() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static void readFully(FileChannel channel, ByteBuffer dst, long position) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                throw new IOException("unexpected end of file at " + at);
            }
            at += n;
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer src, long position) throws IOException {
        long at = position;
        while (src.hasRemaining()) {
            at += channel.write(src, at);
        }
    }
}
