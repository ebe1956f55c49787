package io.datamover.tap.bitmap;

import io.datamover.disk.DurableFiles;
import io.datamover.disk.FileIdentity;
import io.datamover.disk.PrivateFiles;
import io.datamover.protocol.Wire;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On-disk format of one disk's dirty bitmap.
 *
 * <pre>
 * offset 0    8 bytes  magic "DMDIRTY1"
 *        8    4 bytes  format version (2)
 *        12   4 bytes  region size in bytes
 *        16   8 bytes  disk size in bytes
 *        24   8 bytes  region count
 *        32   8 bytes  image inode (0 for a block device)          \
 *        40   8 bytes  image birth time, seconds (0: none recorded)  |
 *        48   4 bytes  image birth time, nanoseconds                 | {@link BitmapIdentity}: whose bits these are
 *        52   4 bytes  block device major (0 for a file)             |
 *        56   4 bytes  block device minor (0 for a file)             |
 *        60   8 bytes  consistency group id                          |
 *        68   1 byte   pair id length n                              |
 *        69 128 bytes  pair id, ASCII, zero-padded                  /
 *        197  4 bytes  CRC32C of bytes 0..196
 *        ...  zero up to HEADER_BYTES
 * HEADER_BYTES         the bits: bit r is bit (r % 64) of the little-endian 64-bit word r / 64
 * </pre>
 * The header is big-endian and written once, when the file is created (through a temporary file and an atomic
 * rename), so a crash never leaves a half-written header. The bits are rewritten page by page afterwards; a torn
 * page is harmless because every bit that differs between its old and new content is either a new 1 not yet
 * promised to anyone or a 0 that was safe to clear (see {@link DirtyBitmap}).
 *
 * <p>Version 1 (bytes 0..31 as above, its CRC32C at 32) recorded no identity. Such a file is adopted once: its bits
 * are kept (they were trusted before the upgrade) and it is rewritten, atomically, as version 2 with the identity of
 * the disk and pair it is opened for.
 */
final class BitmapFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BitmapFile.class);

    static final long MAGIC = 0x444D_4449_5254_5931L; // "DMDIRTY1"
    static final int VERSION = 2;
    /** The format before the header held an identity, adopted at open. */
    static final int VERSION_WITHOUT_IDENTITY = 1;
    static final int HEADER_BYTES = 4096;
    static final int PAGE_BYTES = 4096;
    static final int WORDS_PER_PAGE = PAGE_BYTES / Long.BYTES;
    private static final int PAIR_ID_BYTES = Wire.MAX_ID_BYTES;
    private static final int HEADER_CHECKED_BYTES = 69 + PAIR_ID_BYTES;
    private static final int V1_HEADER_CHECKED_BYTES = 32;

    private final Path path;
    private final BitmapIdentity identity;
    private final int regionSizeBytes;
    /** Replaced when the disk grows under a running tap ({@link #grow}); the caller serialises that with all I/O. */
    private FileChannel channel;
    private final boolean created;

    private BitmapFile(Path path, BitmapIdentity identity, int regionSizeBytes, FileChannel channel, boolean created) {
        this.path = path;
        this.identity = identity;
        this.regionSizeBytes = regionSizeBytes;
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
     * refuses a file whose header does not match, or that holds another image's or pair's bits.
     */
    static BitmapFile openOrCreate(Path path, BitmapIdentity identity, long diskSizeBytes, int regionSizeBytes,
            DirtyBitmap.InitialRegions initialDirty, DirtyBitmap.GrownRegions grownDirty) throws IOException {
        boolean created = Files.notExists(path);
        if (created) {
            create(path, identity, diskSizeBytes, regionSizeBytes, regionCount(diskSizeBytes, regionSizeBytes),
                    initialDirty.regions());
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            Header header = validateHeader(path, channel, identity, regionSizeBytes);
            if (header.diskSizeBytes() > diskSizeBytes) {
                throw new BitmapFormatException(path, "the disk shrank from " + header.diskSizeBytes() + " to "
                        + diskSizeBytes + " bytes: shrinking a protected disk is refused (its replica would lose data"
                        + " the source may still need); give the disk its size back");
            }
            if (header.version() == VERSION_WITHOUT_IDENTITY) {
                channel = adopt(path, channel, identity, header.diskSizeBytes(), regionSizeBytes);
            }
            if (header.diskSizeBytes() < diskSizeBytes) {
                channel = grow(path, channel, identity, header.diskSizeBytes(), diskSizeBytes, regionSizeBytes,
                        grownDirty);
            }
            return new BitmapFile(path, identity, regionSizeBytes, channel, created);
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
    private static void create(Path path, BitmapIdentity identity, long diskSizeBytes, int regionSizeBytes,
            long regionCount, BitSet dirty) throws IOException {
        if (dirty.length() > regionCount) {
            throw new IllegalArgumentException("initial dirty region " + (dirty.length() - 1) + " outside [0, "
                    + regionCount + ")");
        }
        Path temporary = path.resolveSibling(path.getFileName() + ".new");
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
        header.putLong(MAGIC).putInt(VERSION).putInt(regionSizeBytes).putLong(diskSizeBytes).putLong(regionCount);
        FileIdentity image = identity.image();
        header.putLong(image.inode()).putLong(image.birthSeconds()).putInt(image.birthNanos())
                .putInt(image.deviceMajor()).putInt(image.deviceMinor()).putLong(identity.cgId());
        byte[] pairId = identity.pairId().getBytes(StandardCharsets.US_ASCII);
        header.put((byte) pairId.length).put(pairId).position(HEADER_CHECKED_BYTES);
        header.putInt(headerCrc(header, HEADER_CHECKED_BYTES));
        header.clear();
        try (FileChannel channel = PrivateFiles.createFresh(temporary)) {
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

    /** What a valid header says: its format version (1: no identity) and the size of the disk its bits cover. */
    private record Header(int version, long diskSizeBytes) {}

    /**
     * Checks the header against the region size and the identity, and the file against its own geometry; the disk's
     * size is the caller's to compare.
     */
    private static Header validateHeader(Path path, FileChannel channel, BitmapIdentity identity, int regionSizeBytes)
            throws IOException {
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
        int version = header.getInt(8);
        if (version != VERSION && version != VERSION_WITHOUT_IDENTITY) {
            throw new BitmapFormatException(path, "unsupported version " + version + " (this build reads "
                    + VERSION_WITHOUT_IDENTITY + " and " + VERSION + ")");
        }
        int checkedBytes = version == VERSION ? HEADER_CHECKED_BYTES : V1_HEADER_CHECKED_BYTES;
        if (header.getInt(checkedBytes) != headerCrc(header, checkedBytes)) {
            throw new BitmapFormatException(path, "header checksum mismatch");
        }
        int fileRegionSize = header.getInt(12);
        long fileDiskSize = header.getLong(16);
        long fileRegionCount = header.getLong(24);
        if (version == VERSION) {
            checkIdentity(path, identity, readIdentity(header));
        }
        if (fileRegionSize != regionSizeBytes) {
            throw new BitmapFormatException(path, "region size " + fileRegionSize + " bytes, configured " + regionSizeBytes);
        }
        long regionCount = regionCount(fileDiskSize, regionSizeBytes);
        long expectedBytes = HEADER_BYTES + (long) wordCount(regionCount) * Long.BYTES;
        if (fileRegionCount != regionCount || channel.size() < expectedBytes) {
            throw new BitmapFormatException(path, "truncated or inconsistent: " + channel.size() + " bytes, need " + expectedBytes);
        }
        return new Header(version, fileDiskSize);
    }

    private static BitmapIdentity readIdentity(ByteBuffer header) {
        FileIdentity image = new FileIdentity(header.getLong(32), header.getLong(40), header.getInt(48),
                header.getInt(52), header.getInt(56));
        int pairIdLength = Math.min(Byte.toUnsignedInt(header.get(68)), PAIR_ID_BYTES);
        byte[] pairId = new byte[pairIdLength];
        header.get(69, pairId);
        return new BitmapIdentity(new String(pairId, StandardCharsets.US_ASCII), header.getLong(60), image);
    }

    /** Stale bits of another disk or pair would skip this disk's initial sync: refused, with what to do. */
    private static void checkIdentity(Path path, BitmapIdentity expected, BitmapIdentity found)
            throws BitmapFormatException {
        String remedy = ": point --state-dir at this disk's own state directory, or delete " + path
                + " to protect the disk anew (a full initial sync)";
        if (!found.sameOwner(expected)) {
            throw new BitmapFormatException(path, "it holds the dirty regions of " + found.owner() + ", not of "
                    + expected.owner() + remedy);
        }
        if (!found.image().equals(expected.image())) {
            throw new BitmapFormatException(path, "it was made for the image with " + found.image() + ", this image"
                    + " has " + expected.image() + " (another disk, or this one replaced: copied, restored or"
                    + " re-created)" + remedy);
        }
    }

    /**
     * Rewrites a version 1 file as version 2 with {@code identity}, keeping its bits: atomically (the same temporary
     * file and rename as a creation), so a crash leaves either the old file or the new one.
     */
    private static FileChannel adopt(Path path, FileChannel old, BitmapIdentity identity, long diskSizeBytes,
            int regionSizeBytes) throws IOException {
        long regionCount = regionCount(diskSizeBytes, regionSizeBytes);
        BitSet bits = readBitsAndClose(old, regionCount);
        create(path, identity, diskSizeBytes, regionSizeBytes, regionCount, bits);
        LOG.warn("dirty bitmap {} of format version {} adopted for {} and the image with {}: its {} dirty regions"
                + " are kept; from now on it is refused for another image or pair", path, VERSION_WITHOUT_IDENTITY,
                identity.owner(), identity.image(), bits.cardinality());
        return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /**
     * The disk grew (while the tap was stopped): rewrites the file for the larger disk, keeping its bits and setting
     * those {@code grownDirty} names for the new part; atomically, as a creation, so a crash leaves the old file (and
     * the next open grows it again) or the new one.
     */
    private static FileChannel grow(Path path, FileChannel old, BitmapIdentity identity, long oldSizeBytes,
            long diskSizeBytes, int regionSizeBytes, DirtyBitmap.GrownRegions grownDirty) throws IOException {
        BitSet bits = readBitsAndClose(old, regionCount(oldSizeBytes, regionSizeBytes));
        BitSet added = grownDirty.regions(oldSizeBytes);
        bits.or(added);
        create(path, identity, diskSizeBytes, regionSizeBytes, regionCount(diskSizeBytes, regionSizeBytes), bits);
        LOG.info("dirty bitmap {}: the disk grew from {} to {} bytes; its bits are kept, {} regions of the new part "
                + "are marked dirty (they hold data)", path, oldSizeBytes, diskSizeBytes, added.cardinality());
        return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /**
     * The disk grew while the tap serves it: rewrites the file for {@code diskSizeBytes} with {@code bits} (the bits
     * as they are in memory: every 1 set so far is kept, a 0 cleared lazily was safe to write anyway), atomically as a
     * creation, and works on the new file from now on. A crash leaves the old file (the next start grows it again,
     * its bits being a subset of these or stale 1s) or the new one. The caller makes sure no other I/O runs meanwhile.
     */
    void grow(long diskSizeBytes, BitSet bits) throws IOException {
        create(path, identity, diskSizeBytes, regionSizeBytes, regionCount(diskSizeBytes, regionSizeBytes), bits);
        FileChannel grown = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel old = channel;
        channel = grown;
        old.close();
    }

    private static BitSet readBitsAndClose(FileChannel channel, long regionCount) throws IOException {
        try (channel) {
            ByteBuffer words = ByteBuffer.allocate(wordCount(regionCount) * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, words, HEADER_BYTES);
            return BitSet.valueOf(words.flip());
        }
    }

    /** CRC32C of the header's first {@code checkedBytes}. */
    private static int headerCrc(ByteBuffer header, int checkedBytes) {
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate().position(0).limit(checkedBytes));
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
