package io.datamover.tap.export;

import io.datamover.disk.DiskIOException;
import io.datamover.disk.SparseFile;
import io.datamover.tap.bitmap.RegionTracker;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One disk served by the tap under a name: its file, its index in the consistency group and its dirty-region
 * tracker. The I/O methods go straight to the file (no cache in the tap) and run on I/O threads only.
 */
public final class Export implements AutoCloseable {

    private static final int ZERO_CHUNK_BYTES = 1 << 20;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(ZERO_CHUNK_BYTES).asReadOnlyBuffer();

    private final int index;
    private final String name;
    private final SparseFile file;
    /** What NBD clients are told at their handshake and may address; grows with the image ({@link #serveGrown}). */
    private volatile long sizeBytes;
    private final RegionTracker tracker;

    public Export(int index, String name, SparseFile file, long sizeBytes, RegionTracker tracker) {
        this.index = index;
        this.name = name;
        this.file = file;
        this.sizeBytes = sizeBytes;
        this.tracker = tracker;
    }

    public int index() {
        return index;
    }

    public String name() {
        return name;
    }

    public long sizeBytes() {
        return sizeBytes;
    }

    /**
     * Serves the disk at {@code grownBytes} from now on: new NBD connections are told that size and requests up to it
     * are valid. Only once the bitmap and the stream to the gateway know the new size (see Tap#growDisks).
     */
    public void serveGrown(long grownBytes) {
        if (grownBytes < sizeBytes) {
            throw new IllegalArgumentException(this + " is served at " + sizeBytes + " bytes, not fewer: "
                    + grownBytes);
        }
        sizeBytes = grownBytes;
    }

    public RegionTracker tracker() {
        return tracker;
    }

    public SparseFile file() {
        return file;
    }

    /** Fills {@code dst} from the disk at {@code offset}. */
    public void read(ByteBuffer dst, long offset) throws IOException {
        file.readFully(dst, offset);
    }

    /** Writes the readable bytes of {@code data} at {@code offset} without moving its reader index. */
    public void write(ByteBuf data, long offset) throws IOException {
        long position = offset;
        for (ByteBuffer chunk : data.nioBuffers(data.readerIndex(), data.readableBytes())) {
            int length = chunk.remaining();
            file.writeFully(chunk, position);
            position += length;
        }
    }

    /**
     * Makes {@code [offset, offset + length)} read as zeros: by punching a hole when {@code mayDeallocate}
     * (thin stays thin), else, or where the file system cannot punch, by writing real zeros.
     */
    public void zero(long offset, long length, boolean mayDeallocate) throws IOException {
        if (mayDeallocate) {
            try {
                file.punchHole(offset, length);
                return;
            } catch (DiskIOException e) {
                if (!e.isUnsupported()) {
                    throw e;
                }
            }
        }
        long position = offset;
        long end = offset + length;
        while (position < end) {
            ByteBuffer zeros = ZEROS.duplicate();
            zeros.limit((int) Math.min(ZERO_CHUNK_BYTES, end - position));
            int chunk = zeros.remaining();
            file.writeFully(zeros, position);
            position += chunk;
        }
    }

    /**
     * Describes {@code [offset, offset + length)} as alternating data and hole extents, from SEEK_DATA and
     * SEEK_HOLE, up to {@code lengths.length} extents (the rest of the range is simply not described).
     *
     * @return the number of extents written into {@code lengths} and {@code holes}
     */
    public int allocation(long offset, long length, long[] lengths, boolean[] holes) throws IOException {
        long end = offset + length;
        long position = offset;
        int count = 0;
        while (position < end && count < lengths.length) {
            long data = file.nextData(position);
            boolean hole = data != position;
            long boundary = hole ? data : file.nextHole(position);
            long extentEnd = boundary == SparseFile.NO_MORE_DATA ? end : Math.min(boundary, end);
            lengths[count] = extentEnd - position;
            holes[count] = hole;
            count++;
            position = extentEnd;
        }
        return count;
    }

    /** Makes every completed write durable. */
    public void flush() throws IOException {
        file.fdatasync();
    }

    @Override
    public void close() throws IOException {
        try {
            tracker.bitmap().close();
        } finally {
            file.close();
        }
    }

    @Override
    public String toString() {
        return "export " + name + " (disk " + index + ", " + file.path() + ")";
    }
}
