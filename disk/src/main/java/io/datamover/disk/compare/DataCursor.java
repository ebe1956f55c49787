package io.datamover.disk.compare;

import io.datamover.disk.Extent;
import io.datamover.disk.SparseFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Walks one disk's data extents forwards, once: asked in increasing offsets, it costs one SEEK_DATA and one
 * SEEK_HOLE per extent of the whole disk, whatever the number of questions.
 */
final class DataCursor {
    /** Returned by {@link #nextData(long)} when only holes follow. */
    static final long NONE = Long.MAX_VALUE;

    private final Iterator<Extent> extents;
    /** The first extent not yet wholly behind the last question, or null at the end. */
    private Extent head;

    DataCursor(SparseFile file) throws IOException {
        this.extents = file.dataExtents(0, file.size()).iterator();
        this.head = advance();
    }

    /** The first offset at or after {@code position} that holds data, or {@link #NONE}. */
    long nextData(long position) throws IOException {
        skipBefore(position);
        return head == null ? NONE : Math.max(position, head.offset());
    }

    /** The data of {@code [from, to)} as extents clipped to it, in order; later questions must not start before {@code from}. */
    List<Extent> dataIn(long from, long to) throws IOException {
        skipBefore(from);
        List<Extent> pieces = new ArrayList<>();
        while (head != null && head.offset() < to) {
            long start = Math.max(from, head.offset());
            long end = Math.min(to, head.end());
            pieces.add(new Extent(start, end - start));
            if (head.end() > to) {
                break;
            }
            head = advance();
        }
        return pieces;
    }

    private void skipBefore(long position) throws IOException {
        while (head != null && head.end() <= position) {
            head = advance();
        }
    }

    private Extent advance() throws IOException {
        try {
            return extents.hasNext() ? extents.next() : null;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
