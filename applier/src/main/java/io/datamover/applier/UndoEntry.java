package io.datamover.applier;

import io.datamover.disk.Extent;
import io.datamover.disk.SparseFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The before-image of one region of one replica disk: which parts held data (its extents, absolute offsets) and
 * those bytes, concatenated; the rest of the region was a hole. Restoring it punches the region and writes the
 * extents back, so holes come back as holes and a thin replica stays thin.
 *
 * <p>Encoded, big-endian: magic u32 "DMUE", length u32 (whole entry), diskId u32, regionOffset u64, regionLength
 * u32, extentCount u32, extentCount times (offset in region u32, length u32), the extents' bytes, CRC32C u32 of
 * every byte before it.
 */
record UndoEntry(int diskId, long regionOffset, int regionLength, List<Extent> extents, ByteBuffer data) {
    static final int MAGIC = 0x444D5545; // "DMUE"
    static final int FIXED_BYTES = 4 + 4 + 4 + 8 + 4 + 4;
    private static final int EXTENT_BYTES = 8;
    private static final int CRC_BYTES = 4;
    /** File systems allocate in blocks of at least 512 bytes: a region cannot have more extents than this. */
    static int maxExtents(int regionBytes) {
        return regionBytes / 512 + 1;
    }

    /** The largest entry a region of {@code regionBytes} can give; longer length fields are damage. */
    static int maxEncodedBytes(int regionBytes) {
        return FIXED_BYTES + maxExtents(regionBytes) * EXTENT_BYTES + regionBytes + CRC_BYTES;
    }

    /**
     * The most the entries of every region of a disk of {@code diskBytes} can take: a region's data and extent list
     * together never pass its length plus one extent (each further extent comes with a hole of at least 512 bytes).
     */
    static long wholeDiskBytes(long diskBytes, int regionBytes) {
        long regions = (diskBytes + regionBytes - 1) / regionBytes;
        return diskBytes + regions * (FIXED_BYTES + EXTENT_BYTES + CRC_BYTES);
    }

    UndoEntry {
        extents = List.copyOf(extents);
        data = data.asReadOnlyBuffer();
    }

    /** Reads the current content of {@code [regionOffset, regionOffset + regionLength)} of {@code image}. */
    static UndoEntry capture(SparseFile image, int diskId, long regionOffset, int regionLength) throws IOException {
        List<Extent> extents = new ArrayList<>();
        long dataBytes = 0;
        try {
            for (Extent e : image.dataExtents(regionOffset, regionOffset + regionLength)) {
                extents.add(e);
                dataBytes += e.length();
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(dataBytes));
        for (Extent e : extents) {
            image.readFully(data.slice(data.position(), (int) e.length()), e.offset());
            data.position(data.position() + (int) e.length());
        }
        return new UndoEntry(diskId, regionOffset, regionLength, extents, data.flip());
    }

    int encodedBytes() {
        return FIXED_BYTES + extents.size() * EXTENT_BYTES + data.remaining() + CRC_BYTES;
    }

    /** Bytes of the region that held data. */
    long dataBytes() {
        return data.remaining();
    }

    ByteBuffer encode() {
        ByteBuffer out = ByteBuffer.allocate(encodedBytes());
        out.putInt(MAGIC).putInt(out.capacity()).putInt(diskId).putLong(regionOffset).putInt(regionLength)
                .putInt(extents.size());
        for (Extent e : extents) {
            out.putInt((int) (e.offset() - regionOffset)).putInt((int) e.length());
        }
        out.put(data.duplicate());
        out.putInt(crc(out.array(), out.position()));
        return out.flip();
    }

    /**
     * Decodes a whole entry whose length field and CRC were already checked ({@link UndoLog} recovery); fails with
     * IllegalArgumentException when its fields contradict each other.
     */
    static UndoEntry decode(ByteBuffer in) {
        int start = in.position();
        in.getInt(); // magic, checked by the reader
        int length = in.getInt();
        int diskId = in.getInt();
        long regionOffset = in.getLong();
        int regionLength = in.getInt();
        int count = in.getInt();
        if (regionOffset < 0 || regionLength <= 0 || count < 0 || count > maxExtents(regionLength)) {
            throw new IllegalArgumentException("region " + regionOffset + "+" + regionLength + " with " + count
                    + " extents");
        }
        List<Extent> extents = new ArrayList<>(count);
        long dataBytes = 0;
        long previousEnd = 0;
        for (int i = 0; i < count; i++) {
            long offset = Integer.toUnsignedLong(in.getInt());
            long extentLength = Integer.toUnsignedLong(in.getInt());
            if (offset < previousEnd || extentLength == 0 || offset + extentLength > regionLength) {
                throw new IllegalArgumentException("extent " + offset + "+" + extentLength + " outside region of "
                        + regionLength + " bytes or out of order");
            }
            extents.add(new Extent(regionOffset + offset, extentLength));
            previousEnd = offset + extentLength;
            dataBytes += extentLength;
        }
        if (in.position() - start + dataBytes + CRC_BYTES != length) {
            throw new IllegalArgumentException("extents hold " + dataBytes + " bytes, the entry has " + length);
        }
        ByteBuffer data = in.slice(in.position(), (int) dataBytes);
        in.position(start + length);
        return new UndoEntry(diskId, regionOffset, regionLength, extents, data);
    }

    /** Puts the region of {@code image} back as it was: holes where it had none, the saved bytes elsewhere. */
    void restoreInto(SparseFile image) throws IOException {
        image.punchHole(regionOffset, regionLength);
        ByteBuffer bytes = data.duplicate();
        for (Extent e : extents) {
            ByteBuffer part = bytes.slice(bytes.position(), (int) e.length());
            image.writeFully(part, e.offset());
            bytes.position(bytes.position() + (int) e.length());
        }
    }

    static int crc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }
}
