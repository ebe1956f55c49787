package io.datamover.cli;

import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ResyncRegions;
import io.datamover.tap.bitmap.DirtyRegionsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
}
