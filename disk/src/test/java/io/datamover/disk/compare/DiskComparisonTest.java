package io.datamover.disk.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.disk.Extent;
import io.datamover.disk.SparseFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskComparisonTest {

    private static final int KIB = 1 << 10;
    private static final int MIB = 1 << 20;
    private static final int REGION = 64 * KIB;

    @TempDir
    Path dir;


    @Test
    void sameDataInTheSamePlacesIsEqualAndOnlyTheDataIsRead() throws IOException {
        try (SparseFile s = SparseFile.create(source(), 32L * MIB); SparseFile r = SparseFile.create(replica(), 32L * MIB)) {
            for (SparseFile file : new SparseFile[] {s, r}) {
                write(file, 0, random(1, MIB));
                write(file, 20L * MIB + 4 * KIB, random(2, 300 * KIB));
                file.fdatasync();
            }
        }

        ComparisonReport report = DiskComparison.compare(source(), replica(), REGION);

        assertThat(report.equal()).isTrue();
        assertThat(report.differences()).isEmpty();
        assertThat(report.differenceCount()).isZero();
        assertThat(report.sizesDiffer()).isFalse();
        assertThat(report.source().sizeBytes()).isEqualTo(32L * MIB);
        assertThat(report.source().allocatedBytes()).isEqualTo(MIB + 300L * KIB);
        assertThat(report.replica().allocatedBytes()).isEqualTo(MIB + 300L * KIB);
        assertThat(report.bytesRead()).isEqualTo(2 * (MIB + 300L * KIB));
        // The data touches 16 regions at the start and 5 regions (the first and last partly) after 20 MiB.
        assertThat(report.bytesCompared()).isEqualTo(16L * REGION + 5L * REGION);
    }

    @Test
    void everyPlantedDifferenceIsFoundAndAdjacentRegionsAreMerged() throws IOException {
        long size = 16L * MIB;
        try (SparseFile s = SparseFile.create(source(), size); SparseFile r = SparseFile.create(replica(), size)) {
            for (SparseFile file : new SparseFile[] {s, r}) {
                write(file, 0, random(1, MIB));
                write(file, 4L * MIB, random(2, MIB));
                write(file, size - 256 * KIB, random(3, 256 * KIB));
            }
            flipByte(r, 0);                                  // the first block
            flipByte(r, size - 1);                           // the last block
            flipByte(r, 4L * MIB + REGION + 10);             // two adjacent regions...
            flipByte(r, 4L * MIB + 2 * REGION + 5);          // ...reported as one range
            write(r, 8L * MIB, random(4, 4 * KIB));          // data in the replica where the source has a hole
            write(s, 10L * MIB + 100, new byte[] {1});       // one non-zero byte in the source against a hole
            write(s, 12L * MIB, new byte[MIB]);              // written zeros against a hole: no difference
            s.fdatasync();
            r.fdatasync();
        }

        ComparisonReport report = DiskComparison.compare(source(), replica(), REGION);

        assertThat(report.equal()).isFalse();
        assertThat(report.sizesDiffer()).isFalse();
        assertThat(report.differences()).containsExactly(
                new Extent(0, REGION),
                new Extent(4L * MIB + REGION, 2L * REGION),
                new Extent(8L * MIB, REGION),
                new Extent(10L * MIB, REGION),
                new Extent(size - REGION, REGION));
        assertThat(report.differenceCount()).isEqualTo(5);
        assertThat(report.differingBytes()).isEqualTo(6L * REGION);
        assertThat(report.differencesTruncated()).isFalse();
    }

    @Test
    void writtenZerosEqualAHoleThoughTheAllocationDiffers() throws IOException {
        try (SparseFile s = SparseFile.create(source(), 8L * MIB); SparseFile r = SparseFile.create(replica(), 8L * MIB)) {
            byte[] thick = new byte[8 * MIB];
            byte[] first = random(4, MIB);
            byte[] data = random(5, 100 * KIB);
            System.arraycopy(first, 0, thick, 0, first.length);
            System.arraycopy(data, 0, thick, 3 * MIB, data.length);
            System.arraycopy(data, 0, thick, 5 * MIB + 40 * KIB, data.length);
            write(s, 0, thick);                              // thick: every byte written
            write(r, 0, first);                              // thin: only the data; the holes after the data at
            write(r, 3L * MIB, data);                        // 3 MiB and before the data at 5 MiB + 40 KiB must
            write(r, 5L * MIB + 40 * KIB, data);             // read as zeros, not as the first MiB's bytes
            s.fdatasync();
            r.fdatasync();
        }

        ComparisonReport report = DiskComparison.compare(source(), replica(), REGION);

        assertThat(report.equal()).isTrue();
        assertThat(report.source().allocatedBytes()).isEqualTo(8L * MIB);
        assertThat(report.replica().allocatedBytes()).isEqualTo(MIB + 200L * KIB);
        assertThat(report.bytesRead()).isEqualTo(8L * MIB + MIB + 200L * KIB);
    }

    @Test
    void differentSizesAreReportedAndTheExcessMustBeZeros() throws IOException {
        byte[] data = random(6, MIB);
        try (SparseFile s = SparseFile.create(source(), 8L * MIB); SparseFile r = SparseFile.create(replica(), 4L * MIB)) {
            write(s, MIB, data);
            write(r, MIB, data);
            write(s, 5L * MIB, new byte[64 * KIB]);          // zeros in the excess: not a difference
        }

        ComparisonReport zerosBeyond = DiskComparison.compare(source(), replica(), REGION);

        assertThat(zerosBeyond.sizesDiffer()).isTrue();
        assertThat(zerosBeyond.equal()).isFalse();
        assertThat(zerosBeyond.differences()).isEmpty();
        assertThat(zerosBeyond.source().sizeBytes()).isEqualTo(8L * MIB);
        assertThat(zerosBeyond.replica().sizeBytes()).isEqualTo(4L * MIB);

        try (SparseFile s = SparseFile.openReadWrite(source())) {
            write(s, 6L * MIB + 3, new byte[] {7});
        }
        ComparisonReport dataBeyond = DiskComparison.compare(replica(), source(), REGION);

        assertThat(dataBeyond.differences()).containsExactly(new Extent(6L * MIB, REGION));
    }

    @Test
    void aLargeSparseDiskIsComparedByReadingAboutItsData() throws IOException {
        long size = 8L << 30;
        long[] offsets = {0, 1L << 30, 3L * (1L << 30) + 12345 * 4096L, size - 2 * MIB};
        try (SparseFile s = SparseFile.create(source(), size); SparseFile r = SparseFile.create(replica(), size)) {
            for (int i = 0; i < offsets.length; i++) {
                byte[] data = random(10 + i, MIB);
                write(s, offsets[i], data);
                write(r, offsets[i], data);
            }
            flipByte(r, size - MIB - 1);
            s.fdatasync();
            r.fdatasync();
        }

        ComparisonReport report = DiskComparison.compare(source(), replica(), REGION);

        assertThat(report.differences()).containsExactly(new Extent(size - MIB - REGION, REGION));
        long allocated = report.source().allocatedBytes() + report.replica().allocatedBytes();
        assertThat(allocated).isBetween(8L * MIB, 9L * MIB);
        // Every byte of data is read once; the rest of the region that differed is skipped.
        assertThat(report.bytesRead()).isBetween(allocated - REGION, allocated);
        assertThat(report.bytesCompared()).isLessThanOrEqualTo(4L * MIB + 4 * REGION);
    }

    @Test
    void onlyTheFirstDifferencesAreListedButAllAreCounted() throws IOException {
        try (SparseFile s = SparseFile.create(source(), 4L * MIB); SparseFile r = SparseFile.create(replica(), 4L * MIB)) {
            for (int i = 0; i < 10; i++) {
                write(s, (long) i * 2 * REGION, new byte[] {1});
            }
        }

        ComparisonReport report = DiskComparison.compare(source(), replica(), REGION, 3);

        assertThat(report.differences()).containsExactly(
                new Extent(0, REGION), new Extent(2L * REGION, REGION), new Extent(4L * REGION, REGION));
        assertThat(report.differenceCount()).isEqualTo(10);
        assertThat(report.differingBytes()).isEqualTo(10L * REGION);
        assertThat(report.differencesTruncated()).isTrue();
    }

    @Test
    void regionsLargerThanTheReadWindowAndAShortLastRegion() throws IOException {
        int region = 4 * MIB;
        long size = 10L * MIB + 1000;                        // regions: [0,4M) [4M,8M) [8M, 10M+1000)
        try (SparseFile s = SparseFile.create(source(), size); SparseFile r = SparseFile.create(replica(), size)) {
            byte[] data = random(7, 6 * MIB);
            write(s, 2L * MIB, data);
            write(r, 2L * MIB, data);
            flipByte(r, 5L * MIB);                           // the second region, in its second window
            write(s, size - 1, new byte[] {9});              // the last byte of the disk
        }

        ComparisonReport report = DiskComparison.compare(source(), replica(), region);

        assertThat(report.differences()).containsExactly(new Extent(4L * MIB, size - 4L * MIB));
        assertThat(report.differenceCount()).isEqualTo(1);
        // Once the second region differs its last 2 windows are not read: 2 MiB of the 6 MiB of data on each side.
        assertThat(report.bytesRead()).isLessThanOrEqualTo(2 * (6L * MIB - 2 * MIB) + 4096);
    }

    @Test
    void emptyDisksAreEqual() throws IOException {
        SparseFile.create(source(), 0).close();
        SparseFile.create(replica(), 0).close();

        ComparisonReport report = DiskComparison.compare(source(), replica(), REGION);

        assertThat(report.equal()).isTrue();
        assertThat(report.bytesRead()).isZero();
    }

    @Test
    void regionSizeMustBeAPowerOfTwoFrom4KiBTo1GiB() {
        assertThat(DiskComparison.checkedRegionSize(4096)).isEqualTo(4096);
        assertThat(DiskComparison.checkedRegionSize(1L << 30)).isEqualTo(1 << 30);
        for (long bad : new long[] {0, 2048, 5000, 3 * 4096, 2L << 30}) {
            assertThatThrownBy(() -> DiskComparison.checkedRegionSize(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("power of two");
        }
    }

    private Path source() {
        return dir.resolve("source.img");
    }

    private Path replica() {
        return dir.resolve("replica.img");
    }

    private static void write(SparseFile file, long offset, byte[] bytes) throws IOException {
        file.writeFully(ByteBuffer.wrap(bytes), offset);
    }

    private static void flipByte(SparseFile file, long offset) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        file.readFully(one, offset);
        one.put(0, (byte) ~one.get(0)).rewind();
        file.writeFully(one, offset);
    }

    private static byte[] random(long seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        // No zero bytes: a flipped byte can never become zero and match a hole by accident.
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = bytes[i] == 0 ? 1 : bytes[i];
        }
        return bytes;
    }
}
