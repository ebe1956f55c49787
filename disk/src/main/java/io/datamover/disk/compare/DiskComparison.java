package io.datamover.disk.compare;

import io.datamover.disk.SparseFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Compares two disk images (sparse files or block devices) region by region, reading only where either side holds
 * data.
 *
 * <p>The disks are walked together in windows of {@value #WINDOW_BYTES} bytes that start at the next data of either
 * side: stretches that are holes on both sides are skipped without a read. A window is cut into slices (the region
 * size, or the window when regions are larger) and each slice with data on at least one side is digested on both
 * sides; a side whose slice is a hole counts as zeros, so a replica kept thin (zeros punched out) equals a source
 * that wrote those zeros. When the sizes differ, the longer disk's excess is compared against zeros (and the report
 * says the sizes differ). A differing slice marks its whole region; adjacent differing regions are merged into one
 * range, and once a region differs the rest of it is not read.
 *
 * <p>Memory is bounded whatever the size of the disks: two window buffers and at most {@code maxListed} ranges
 * (the rest are only counted). The result is meaningful only if neither disk is written during the comparison.
 */
public final class DiskComparison {
    /** The default unit of comparison, the tap's dirty-region size. */
    public static final int DEFAULT_REGION_BYTES = 64 << 10;
    /** How many differing ranges a report lists by default; all of them are counted. */
    public static final int MAX_LISTED_DIFFERENCES = 1000;
    /** Bytes read from each disk at a time. */
    static final int WINDOW_BYTES = 1 << 20;

    private static final int MIN_REGION_BYTES = 4096;
    private static final int MAX_REGION_BYTES = 1 << 30;

    private DiskComparison() {
    }

    /** Compares {@code source} with {@code replica} in regions of {@code regionSizeBytes}, listing up to 1000 differences. */
    public static ComparisonReport compare(Path source, Path replica, int regionSizeBytes) throws IOException {
        return compare(source, replica, regionSizeBytes, MAX_LISTED_DIFFERENCES);
    }

    /** As {@link #compare(Path, Path, int)}, listing at most {@code maxListed} differing ranges (all are counted). */
    public static ComparisonReport compare(Path source, Path replica, int regionSizeBytes, int maxListed)
            throws IOException {
        int regionBytes = checkedRegionSize(regionSizeBytes);
        if (maxListed < 0) {
            throw new IllegalArgumentException("maxListed must be >= 0: " + maxListed);
        }
        try (SparseFile sourceFile = SparseFile.openReadOnly(source);
                SparseFile replicaFile = SparseFile.openReadOnly(replica)) {
            DiskFacts sourceFacts = facts(sourceFile);
            DiskFacts replicaFacts = facts(replicaFile);
            long totalBytes = Math.max(sourceFacts.sizeBytes(), replicaFacts.sizeBytes());
            int sliceBytes = Math.min(regionBytes, WINDOW_BYTES);
            WindowReader sourceSide = new WindowReader(sourceFile, WINDOW_BYTES, sliceBytes);
            WindowReader replicaSide = new WindowReader(replicaFile, WINDOW_BYTES, sliceBytes);
            SliceDigester digester = new SliceDigester();
            DifferenceCollector differences = new DifferenceCollector(maxListed);
            long bytesCompared = 0;
            long position = 0;
            while (true) {
                long next = Math.min(sourceSide.nextData(position), replicaSide.nextData(position));
                if (next >= totalBytes) {
                    break;
                }
                long start = next - next % sliceBytes;
                long end = Math.min(start + WINDOW_BYTES, totalBytes);
                sourceSide.load(start, end);
                replicaSide.load(start, end);
                long resumeAt = end;
                for (int slice = 0; start + (long) slice * sliceBytes < end; slice++) {
                    if (!sourceSide.hasData(slice) && !replicaSide.hasData(slice)) {
                        continue;
                    }
                    long sliceStart = start + (long) slice * sliceBytes;
                    int length = (int) Math.min(sliceBytes, end - sliceStart);
                    bytesCompared += length;
                    byte[] sourceDigest = digest(digester, sourceSide, slice, sliceBytes, length);
                    byte[] replicaDigest = digest(digester, replicaSide, slice, sliceBytes, length);
                    if (!Arrays.equals(sourceDigest, replicaDigest)) {
                        long regionStart = sliceStart - sliceStart % regionBytes;
                        long regionEnd = Math.min(regionStart + regionBytes, totalBytes);
                        differences.add(regionStart, regionEnd - regionStart);
                        resumeAt = Math.max(resumeAt, regionEnd);
                    }
                }
                position = resumeAt;
            }
            return new ComparisonReport(sourceFacts, replicaFacts, regionBytes, differences.finish(),
                    differences.count(), differences.bytes(), bytesCompared,
                    sourceSide.bytesRead() + replicaSide.bytesRead());
        }
    }

    /**
     * Returns {@code bytes} as a region size, or throws {@link IllegalArgumentException} saying why it is not one:
     * a power of two from 4 KiB to 1 GiB.
     */
    public static int checkedRegionSize(long bytes) {
        if (Long.bitCount(bytes) != 1 || bytes < MIN_REGION_BYTES || bytes > MAX_REGION_BYTES) {
            throw new IllegalArgumentException("region size must be a power of two from 4 KiB to 1 GiB, got " + bytes);
        }
        return (int) bytes;
    }

    private static byte[] digest(SliceDigester digester, WindowReader side, int slice, int sliceBytes, int length) {
        return side.hasData(slice)
                ? digester.digest(side.window(), slice * sliceBytes, length)
                : digester.zeroDigest(length);
    }

    private static DiskFacts facts(SparseFile file) throws IOException {
        return new DiskFacts(file.path(), file.size(), file.allocatedBytes(), file.isBlockDevice());
    }
}
