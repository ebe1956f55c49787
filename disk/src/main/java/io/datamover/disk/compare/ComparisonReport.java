package io.datamover.disk.compare;

import io.datamover.disk.Extent;
import java.util.List;

/**
 * The outcome of {@link DiskComparison#compare}.
 *
 * @param source what is known of the source disk
 * @param replica what is known of the replica disk
 * @param regionSizeBytes the unit of comparison: differences are whole regions (the last one may be shorter)
 * @param differences the first {@link DiskComparison#MAX_LISTED_DIFFERENCES} differing byte ranges, in disk order;
 *        adjacent differing regions are merged into one range
 * @param differenceCount how many differing ranges there are in all (may exceed {@code differences.size()})
 * @param differingBytes bytes covered by all differing ranges
 * @param bytesCompared bytes of the regions that held data on at least one side (holes on both sides are skipped)
 * @param bytesRead bytes read from both disks together
 */
public record ComparisonReport(DiskFacts source, DiskFacts replica, int regionSizeBytes, List<Extent> differences,
        long differenceCount, long differingBytes, long bytesCompared, long bytesRead) {

    public ComparisonReport {
        differences = List.copyOf(differences);
    }

    /** True when the disks have the same size and the same content. */
    public boolean equal() {
        return !sizesDiffer() && differenceCount == 0;
    }

    /** True when the disks have different sizes; the longer one's excess was compared against zeros. */
    public boolean sizesDiffer() {
        return source.sizeBytes() != replica.sizeBytes();
    }

    /** True when there are more differing ranges than {@link #differences()} lists. */
    public boolean differencesTruncated() {
        return differenceCount > differences.size();
    }
}
