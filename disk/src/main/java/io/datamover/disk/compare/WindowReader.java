package io.datamover.disk.compare;

import io.datamover.disk.Extent;
import io.datamover.disk.SparseFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * One disk's side of a comparison: loads a window of the disk into one reused buffer, reading only its data
 * extents (holes, and whatever lies past the end of a shorter disk, become zeros without a read), and remembers
 * which slices of the window held data. Memory: one window buffer, whatever the size of the disk.
 */
final class WindowReader {
    private final SparseFile file;
    private final DataCursor cursor;
    private final int sliceBytes;
    private final byte[] window;
    private final boolean[] sliceHasData;
    private long bytesRead;

    WindowReader(SparseFile file, int windowBytes, int sliceBytes) throws IOException {
        this.file = file;
        this.cursor = new DataCursor(file);
        this.sliceBytes = sliceBytes;
        this.window = new byte[windowBytes];
        this.sliceHasData = new boolean[windowBytes / sliceBytes];
    }

    /** The first offset at or after {@code position} that holds data, or {@link DataCursor#NONE}. */
    long nextData(long position) throws IOException {
        return cursor.nextData(position);
    }

    /** Loads {@code [start, end)}, {@code start} a multiple of the slice size; later loads must start at or after {@code end}. */
    void load(long start, long end) throws IOException {
        Arrays.fill(sliceHasData, false);
        List<Extent> pieces = cursor.dataIn(start, end);
        int filled = 0;
        for (Extent piece : pieces) {
            int from = (int) (piece.offset() - start);
            int to = (int) (piece.end() - start);
            Arrays.fill(window, filled, from, (byte) 0);
            file.readFully(ByteBuffer.wrap(window, from, to - from), piece.offset());
            bytesRead += to - from;
            Arrays.fill(sliceHasData, from / sliceBytes, (to - 1) / sliceBytes + 1, true);
            filled = to;
        }
        if (!pieces.isEmpty()) {
            Arrays.fill(window, filled, (int) (end - start), (byte) 0);
        }
    }

    /** True if slice {@code index} of the loaded window held data (false: it is all zeros). */
    boolean hasData(int index) {
        return sliceHasData[index];
    }

    /** The loaded window; only the slices that {@link #hasData} are filled in. */
    byte[] window() {
        return window;
    }

    long bytesRead() {
        return bytesRead;
    }
}
