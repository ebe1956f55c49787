package io.datamover.cli;

import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.SplitBrainRegions;
import io.datamover.tap.bitmap.DirtyRegionsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The regions a stopped tap's persistent dirty bitmaps hold (its writes no gateway acknowledged), as ranges of the
 * group's disks: what a site wrote outside any journal, for reverse replication and a split brain's resolution. The
 * caller holds the tap's state directory lock.
 */
final class TapDirtyRegions {
    private TapDirtyRegions() {}

    /** Adds to {@code ranges} the dirty regions of each of {@code disks} in {@code tapState} (none without a file). */
    static void addTo(List<ResyncRegions.Range> ranges, Path tapState, List<DiskInfo> disks) throws IOException {
        for (DiskInfo disk : disks) {
            Path bitmap = tapState.resolve(disk.name() + ".dirty");
            if (Files.exists(bitmap)) {
                for (DirtyRegionsFile.Range d : DirtyRegionsFile.read(bitmap)) {
                    ranges.add(new ResyncRegions.Range(disk.id(), d.offset(), d.length()));
                }
            }
        }
    }

    /** The dirty regions of {@code disks} in {@code tapState}. */
    static List<ResyncRegions.Range> of(Path tapState, List<DiskInfo> disks) throws IOException {
        List<ResyncRegions.Range> ranges = new ArrayList<>();
        addTo(ranges, tapState, disks);
        return ranges;
    }

    /**
     * How many regions the bitmaps of {@code disks} in {@code tapState} hold dirty: an upper bound of the regions the
     * tap's guest wrote that no gateway acknowledged (the tap marks whole extents ahead of its writes, and a new state
     * directory starts with its first region dirty). Read while the tap may run: a snapshot, for status. Empty when no
     * disk has a bitmap there, or when their region sizes differ.
     */
    static Optional<SplitBrainRegions> count(Path tapState, List<DiskInfo> disks) throws IOException {
        long regions = 0;
        long regionBytes = 0;
        for (DiskInfo disk : disks) {
            Path bitmap = tapState.resolve(disk.name() + ".dirty");
            if (Files.exists(bitmap)) {
                DirtyRegionsFile.Dirty dirty = DirtyRegionsFile.readWithRegionSize(bitmap);
                if (regionBytes != 0 && regionBytes != dirty.regionBytes()) {
                    return Optional.empty();
                }
                regionBytes = dirty.regionBytes();
                regions += dirty.regions();
            }
        }
        return regionBytes == 0 ? Optional.empty()
                : Optional.of(new SplitBrainRegions(regions, regionBytes, SplitBrainRegions.Bound.UPPER_BOUND));
    }

    /**
     * Clears every bit of the bitmaps of {@code disks} in {@code tapState}, durably (a failback: the regions hold the
     * image both sites share); returns how many bytes were dirty.
     */
    static long clear(Path tapState, List<DiskInfo> disks) throws IOException {
        long cleared = 0;
        for (DiskInfo disk : disks) {
            Path bitmap = tapState.resolve(disk.name() + ".dirty");
            if (Files.exists(bitmap)) {
                cleared += DirtyRegionsFile.clearAll(bitmap);
            }
        }
        return cleared;
    }
}
