package io.datamover.tap.bitmap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the dirty regions of a stopped tap's bitmap file ({@link BitmapFile}'s layout), for reverse replication at
 * the original site: a set bit is a region the guest may have written that the replica may lack. Failback clears them
 * ({@link #clearAll}) once both sites hold the same image.
 */
public final class DirtyRegionsFile {
    /** Bytes {@code [offset, offset + length)} of the disk. */
    public record Range(long offset, long length) {}

    private DirtyRegionsFile() {}

    /**
     * The dirty regions of a bitmap and the size of its regions.
     *
     * @param regionBytes the bitmap's region size
     * @param ranges the dirty regions, adjacent ones merged, clipped to the disk
     */
    public record Dirty(long regionBytes, List<Range> ranges) {
        /** How many regions are dirty. */
        public long regions() {
            return ranges.stream().mapToLong(r -> (r.length() + regionBytes - 1) / regionBytes).sum();
        }
    }

    /** The dirty regions of {@code file}, adjacent ones merged, clipped to the disk. */
    public static List<Range> read(Path file) throws IOException {
        return readWithRegionSize(file).ranges();
    }

    /** As {@link #read}, with the bitmap's region size. */
    public static Dirty readWithRegionSize(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer header = ByteBuffer.allocate(32);
            ch.read(header, 0);
            header.flip();
            if (header.remaining() < 32 || header.getLong() != BitmapFile.MAGIC) {
                throw new BitmapFormatException(file, "not a dirty bitmap");
            }
            header.getInt();
            long regionBytes = header.getInt();
            long diskBytes = header.getLong();
            long regions = header.getLong();
            if (regionBytes <= 0 || regions != BitmapFile.regionCount(diskBytes, (int) regionBytes)) {
                throw new BitmapFormatException(file, "a damaged header");
            }
            ByteBuffer bits = ByteBuffer.allocate(BitmapFile.wordCount(regions) * Long.BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN);
            ch.read(bits, BitmapFile.HEADER_BYTES);
            bits.flip();
            List<Range> ranges = new ArrayList<>();
            long start = -1;
            for (long r = 0; r <= regions; r++) {
                boolean dirty = r < regions && (bits.getLong((int) (r / 64) * Long.BYTES) & (1L << (r % 64))) != 0;
                if (dirty && start < 0) {
                    start = r;
                } else if (!dirty && start >= 0) {
                    long offset = start * regionBytes;
                    ranges.add(new Range(offset, Math.min(r * regionBytes, diskBytes) - offset));
                    start = -1;
                }
            }
            return new Dirty(regionBytes, ranges);
        }
    }

    /**
     * Clears every bit of {@code file}, durably: for a failback, once the regions they name hold the image both sites
     * share. The header (and with it the identity) is left as it is.
     *
     * @return how many bytes of the disk were dirty
     */
    public static long clearAll(Path file) throws IOException {
        long dirty = 0;
        for (Range r : read(file)) {
            dirty += r.length();
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate(BitmapFile.PAGE_BYTES);
            for (long at = BitmapFile.HEADER_BYTES; at < ch.size(); at += BitmapFile.PAGE_BYTES) {
                zeros.clear().limit((int) Math.min(BitmapFile.PAGE_BYTES, ch.size() - at));
                while (zeros.hasRemaining()) {
                    ch.write(zeros, at + zeros.position());
                }
            }
            ch.force(true);
        }
        return dirty;
    }
}
