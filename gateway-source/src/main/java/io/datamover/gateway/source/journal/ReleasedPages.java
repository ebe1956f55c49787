package io.datamover.gateway.source.journal;

import io.datamover.disk.MappedMemory;
import java.io.File;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back the disk space of released entries before their cycle file is deleted: the pages wholly inside the
 * content of an entry are punched out (a hole reads back as zeros and takes no space). A cycle file is deleted
 * only once the retention point is in a later cycle, which takes up to a roll cycle (five minutes); on a disk the
 * journal has filled, that space is what lets it take records again. Owner thread only.
 *
 * <p>Safe because nothing reads a released entry's content again: readers and recovery start at the retention
 * point, which is durable before anything is punched, and Chronicle's scans between indexed entries read the
 * headers (outside the punched pages), never the content. Pages shared with a header or an index stay.
 */
final class ReleasedPages {
    private static final Logger log = LoggerFactory.getLogger(ReleasedPages.class);

    /** Open during {@link #punch} only. */
    private final CycleFileHandle file = new CycleFileHandle();
    /** Pending ranges: cycle, from, to, per range. */
    private long[] ranges = new long[3 * 64];
    private int count;
    private boolean failureLogged;

    /** Notes the content {@code [start, end)} (file offsets) of a released entry of {@code cycle}. */
    void released(int cycle, long start, long end) {
        long from = (start + MappedMemory.PAGE_BYTES - 1) & -MappedMemory.PAGE_BYTES;
        long to = end & -MappedMemory.PAGE_BYTES;
        if (to <= from) {
            return; // no whole page of its own
        }
        int at = 3 * count;
        if (count > 0 && ranges[at - 3] == cycle && ranges[at - 1] == from) {
            ranges[at - 1] = to; // contiguous with the previous one
            return;
        }
        if (at == ranges.length) {
            ranges = Arrays.copyOf(ranges, 2 * ranges.length);
        }
        ranges[at] = cycle;
        ranges[at + 1] = from;
        ranges[at + 2] = to;
        count++;
    }

    /**
     * Punches the ranges noted since the last call, in the files {@code cycleFile} names; call only once the
     * retention point past them is durable. A failure costs only space: logged once, never thrown.
     */
    void punch(IntFunction<File> cycleFile) {
        try {
            for (int i = 0; i < count; i++) {
                int cycle = (int) ranges[3 * i];
                File f = cycleFile.apply(cycle);
                if (f == null || !f.exists()) {
                    continue; // deleted with its cycle
                }
                file.file(cycle, () -> f).punchHole(ranges[3 * i + 1], ranges[3 * i + 2] - ranges[3 * i + 1]);
            }
        } catch (IOException | RuntimeException e) {
            if (!failureLogged) {
                failureLogged = true;
                log.warn("journal: cannot punch out released entries, their space comes back with their cycle file: {}",
                        e.getMessage());
            }
        } finally {
            count = 0;
            file.close(); // an open descriptor would keep a deleted cycle file's space
        }
    }
}
