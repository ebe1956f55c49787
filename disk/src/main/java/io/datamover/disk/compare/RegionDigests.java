package io.datamover.disk.compare;

import io.datamover.disk.Extent;
import io.datamover.disk.SparseFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The SHA-256 digests of consecutive regions of one disk, read only where it holds data (SEEK_DATA/SEEK_HOLE): the
 * piece each site computes on its own disk for an online verify, so only 32 bytes per region cross between sites.
 * A hole digests as zeros, as in {@link DiskComparison}, so a thin replica equals a source that wrote zeros; a region
 * that runs past the end of the disk is digested up to the end.
 */
public final class RegionDigests {
    /** At most this many bytes are read for one call: one buffer, bounded whatever the disk. */
    public static final int MAX_SPAN_BYTES = 8 << 20;

    /** The digests in region order, as hex, and the bytes of data actually read for them. */
    public record Span(List<String> digests, long bytesRead) {
        public Span {
            digests = List.copyOf(digests);
        }
    }

    private RegionDigests() {
    }

    /**
     * Digests up to {@code count} regions of {@code regionBytes} from {@code offset} (a multiple of it), stopping at
     * the end of the disk.
     *
     * @throws IllegalArgumentException a region size that is not one, an unaligned offset, or a span over
     *         {@link #MAX_SPAN_BYTES}
     */
    public static Span read(SparseFile file, long offset, int regionBytes, int count) throws IOException {
        DiskComparison.checkedRegionSize(regionBytes);
        if (offset < 0 || offset % regionBytes != 0 || count < 0 || (long) count * regionBytes > MAX_SPAN_BYTES) {
            throw new IllegalArgumentException("digests need an offset that is a multiple of the region size and at "
                    + "most " + MAX_SPAN_BYTES + " bytes: offset " + offset + ", " + count + " x " + regionBytes);
        }
        long size = file.size();
        long end = Math.min(size, offset + (long) count * regionBytes);
        if (end <= offset) {
            return new Span(List.of(), 0);
        }
        byte[] span = new byte[(int) (end - offset)];
        boolean[] hasData = new boolean[(span.length + regionBytes - 1) / regionBytes];
        long bytesRead = 0;
        try {
            for (Extent piece : file.dataExtents(offset, end)) {
                int from = (int) (piece.offset() - offset);
                int to = (int) (piece.end() - offset);
                file.readFully(ByteBuffer.wrap(span, from, to - from), piece.offset());
                bytesRead += to - from;
                for (int region = from / regionBytes; region <= (to - 1) / regionBytes; region++) {
                    hasData[region] = true;
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        file.dropPagesReadForward(offset, end - offset); // a verify pass reads each span once
        SliceDigester digester = new SliceDigester();
        HexFormat hex = HexFormat.of();
        List<String> digests = new ArrayList<>(hasData.length);
        for (int region = 0; region < hasData.length; region++) {
            int from = region * regionBytes;
            int length = Math.min(regionBytes, span.length - from);
            digests.add(hex.formatHex(hasData[region] ? digester.digest(span, from, length)
                    : digester.zeroDigest(length)));
        }
        return new Span(digests, bytesRead);
    }
}
