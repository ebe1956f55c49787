package io.datamover.disk.compare;

import io.datamover.disk.Extent;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects differing regions, in increasing offsets, as merged ranges: a region that starts where the open range
 * ends extends it. Keeps at most {@code maxListed} ranges in memory and counts the rest, so a disk that differs
 * everywhere costs no more memory than one that differs once.
 */
final class DifferenceCollector {
    private final int maxListed;
    private final List<Extent> listed = new ArrayList<>();
    private long count;
    private long bytes;
    private long openStart = -1;
    private long openEnd = -1;

    DifferenceCollector(int maxListed) {
        this.maxListed = maxListed;
    }

    /** Records {@code [offset, offset + length)} as differing; a repeat of (part of) the open range is ignored. */
    void add(long offset, long length) {
        long end = offset + length;
        if (openStart >= 0 && offset <= openEnd) {
            if (end > openEnd) {
                bytes += end - openEnd;
                openEnd = end;
            }
            return;
        }
        close();
        openStart = offset;
        openEnd = end;
        bytes += length;
    }

    private void close() {
        if (openStart < 0) {
            return;
        }
        count++;
        if (listed.size() < maxListed) {
            listed.add(new Extent(openStart, openEnd - openStart));
        }
        openStart = -1;
        openEnd = -1;
    }

    /** The first {@code maxListed} ranges; closes the open range, so call it once, after the last {@link #add}. */
    List<Extent> finish() {
        close();
        return listed;
    }

    long count() {
        return count;
    }

    long bytes() {
        return bytes;
    }
}
