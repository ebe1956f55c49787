package io.datamover.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseFileTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void newFileIsOneHoleOfTheRequestedSize() throws IOException {
        try (SparseFile file = SparseFile.create(dir.resolve("disk.img"), 16L * MIB)) {
            assertThat(file.size()).isEqualTo(16L * MIB);
            assertThat(file.allocatedBytes()).isZero();
            assertThat(file.nextData(0)).isEqualTo(SparseFile.NO_MORE_DATA);
            assertThat(file.nextHole(0)).isZero();
            assertThat(file.dataExtents(0, file.size())).isEmpty();
        }
    }

    @Test
    void punchingAHoleReleasesSpaceAndReadsBackZeros() throws IOException {
        try (SparseFile file = SparseFile.create(dir.resolve("disk.img"), 8L * MIB)) {
            writePattern(file, 0, 8 * MIB, (byte) 0x5a);
            file.fdatasync();
            long before = file.allocatedBytes();
            assertThat(before).isGreaterThanOrEqualTo(8L * MIB);

            file.punchHole(MIB, 4L * MIB);

            assertThat(file.allocatedBytes()).isEqualTo(before - 4L * MIB);
            assertThat(file.size()).isEqualTo(8L * MIB);
            ByteBuffer read = ByteBuffer.allocate(4 * MIB);
            file.readFully(read, MIB);
            assertThat(read.array()).containsOnly((byte) 0);
            ByteBuffer edge = ByteBuffer.allocate(1);
            file.readFully(edge, MIB - 1);
            assertThat(edge.get(0)).isEqualTo((byte) 0x5a);
        }
    }

    @Test
    void droppingCachedPagesEmptiesTheRangeFromThePageCacheAndKeepsItsData() throws IOException {
        Path path = dir.resolve("disk.img");
        try (SparseFile file = SparseFile.create(path, 8L * MIB)) {
            writePattern(file, 0, 8 * MIB, (byte) 0x3c);
            file.fdatasync();
            file.readFully(ByteBuffer.allocate(8 * MIB), 0);
            assertThat(PageCacheState.cachedPages(path, 0, 8L * MIB)).isPositive();

            file.dropCachedPages(0, 8L * MIB);

            assertThat(PageCacheState.cachedPages(path, 0, 8L * MIB)).isZero();
            ByteBuffer read = ByteBuffer.allocate(8 * MIB);
            file.readFully(read, 0);
            assertThat(read.array()).containsOnly((byte) 0x3c);
        }
    }

    @Test
    void allocatingAheadTakesSpaceKeepsTheSizeAndStillReadsZeros() throws IOException {
        try (SparseFile file = SparseFile.create(dir.resolve("disk.img"), 4L * MIB)) {
            writePattern(file, 0, MIB, (byte) 7);
            file.allocate(MIB, 8L * MIB); // past the end too: the size stays

            assertThat(file.size()).isEqualTo(4L * MIB);
            assertThat(file.allocatedBytes()).isGreaterThanOrEqualTo(9L * MIB);
            ByteBuffer read = ByteBuffer.allocate(3 * MIB);
            file.readFully(read, MIB);
            assertThat(read.array()).containsOnly((byte) 0);
            ByteBuffer kept = ByteBuffer.allocate(MIB);
            file.readFully(kept, 0);
            assertThat(kept.array()).containsOnly((byte) 7);
        }
    }

    @Test
    void theFileSystemTypeIsTheOneStatOfTheDirectorySays() throws Exception {
        try (SparseFile file = SparseFile.create(dir.resolve("disk.img"), MIB)) {
            Process stat = new ProcessBuilder("stat", "-f", "-c", "%t", dir.toString()).start();
            String hex = new String(stat.getInputStream().readAllBytes()).trim();
            assertThat(stat.waitFor()).isZero();
            assertThat(file.fileSystemType()).isEqualTo(Long.parseLong(hex, 16));
            assertThat(file.isOnNfs()).isEqualTo(hex.equals("6969"));
        }
    }

    @Test
    void zeroRangeReadsAsZerosAndKeepsTheBlocksAllocated() throws IOException {
        try (SparseFile file = SparseFile.create(dir.resolve("disk.img"), 4L * MIB)) {
            writePattern(file, 0, 4 * MIB, (byte) 7);
            long before = file.allocatedBytes();

            file.zeroRange(1000, 2L * MIB); // unaligned edges too

            assertThat(file.allocatedBytes()).isEqualTo(before);
            ByteBuffer all = ByteBuffer.allocate(4 * MIB);
            file.readFully(all, 0);
            for (int i = 0; i < 4 * MIB; i++) {
                byte expected = i >= 1000 && i < 1000 + 2 * MIB ? 0 : (byte) 7;
                if (all.get(i) != expected) {
                    throw new AssertionError("byte " + i + " is " + all.get(i) + ", expected " + expected);
                }
            }
        }
    }

    @Test
    void unalignedPunchZerosThePartialBlocks() throws IOException {
        try (SparseFile file = SparseFile.create(dir.resolve("disk.img"), MIB)) {
            writePattern(file, 0, MIB, (byte) 1);
            file.punchHole(1000, 10_000);
            ByteBuffer read = ByteBuffer.allocate(MIB);
            file.readFully(read, 0);
            byte[] expected = new byte[MIB];
            Arrays.fill(expected, (byte) 1);
            Arrays.fill(expected, 1000, 11_000, (byte) 0);
            assertThat(read.array()).isEqualTo(expected);
        }
    }

    @Test
    void seekDataAndSeekHoleFindTheKnownExtents() throws IOException {
        try (SparseFile file = SparseFile.create(dir.resolve("disk.img"), 16L * MIB)) {
            writePattern(file, MIB, MIB, (byte) 7);
            writePattern(file, 5L * MIB, 2 * MIB, (byte) 8);
            writePattern(file, 15L * MIB, MIB, (byte) 9);

            assertThat(file.nextData(0)).isEqualTo(MIB);
            assertThat(file.nextHole(MIB)).isEqualTo(2L * MIB);
            assertThat(file.nextData(2L * MIB)).isEqualTo(5L * MIB);
            assertThat(file.nextHole(5L * MIB + 4096)).isEqualTo(7L * MIB);
            assertThat(file.nextHole(15L * MIB)).as("EOF is an implicit hole").isEqualTo(16L * MIB);

            assertThat(collect(file.dataExtents(0, file.size()))).containsExactly(
                    new Extent(MIB, MIB), new Extent(5L * MIB, 2L * MIB), new Extent(15L * MIB, MIB));
            assertThat(collect(file.dataExtents(MIB + 512, 6L * MIB))).as("clipped to the range").containsExactly(
                    new Extent(MIB + 512, MIB - 512), new Extent(5L * MIB, MIB));
        }
    }

    @Test
    void atAndPastEndOfFileThereIsNoMoreData() throws IOException {
        try (SparseFile file = SparseFile.create(dir.resolve("disk.img"), 2L * MIB)) {
            writePattern(file, MIB, MIB, (byte) 3);
            assertThat(file.nextData(2L * MIB)).isEqualTo(SparseFile.NO_MORE_DATA);
            assertThat(file.nextHole(2L * MIB)).isEqualTo(SparseFile.NO_MORE_DATA);
            assertThat(file.nextData(100L * MIB)).isEqualTo(SparseFile.NO_MORE_DATA);
            assertThat(file.nextData(2L * MIB - 1)).isEqualTo(2L * MIB - 1);
            assertThat(file.nextHole(2L * MIB - 1)).isEqualTo(2L * MIB);
            assertThatThrownBy(() -> file.readFully(ByteBuffer.allocate(2), 2L * MIB - 1))
                    .isInstanceOf(IOException.class).hasMessageContaining("read past end");
        }
    }

    @Test
    void startedWritebackCleansTheRangeWithoutWaitingForTheFlusher() throws IOException {
        Path path = dir.resolve("disk.img");
        try (SparseFile file = SparseFile.create(path, 8L * MIB)) {
            writePattern(file, 0, 8 * MIB, (byte) 3);
            assertThat(PageCacheState.dirtyPages(path, 0, 4L * MIB)).isPositive();

            file.startWriteback(0, 4L * MIB);

            // The kernel's flusher would leave them dirty for 30 s (dirty_expire_centisecs): only the call cleans them.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> PageCacheState.dirtyPages(path, 0, 4L * MIB) == 0);
            assertThat(PageCacheState.dirtyPages(path, 4L * MIB, 4L * MIB)).isPositive();
            assertThatThrownBy(() -> file.startWriteback(-1, MIB)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void errorsNameTheFileAndTheCall() throws IOException {
        Path missing = dir.resolve("missing.img");
        assertThatThrownBy(() -> SparseFile.openReadWrite(missing))
                .isInstanceOfSatisfying(DiskIOException.class, e -> {
                    assertThat(e.errno()).isEqualTo(2);
                    assertThat(e.call()).isEqualTo("open");
                    assertThat(e.file()).isEqualTo(missing);
                })
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("No such file or directory");

        Path existing = dir.resolve("existing.img");
        Files.write(existing, new byte[4096]);
        assertThatThrownBy(() -> SparseFile.create(existing, 4096))
                .isInstanceOfSatisfying(DiskIOException.class, e -> assertThat(e.errno()).isEqualTo(17));

        try (SparseFile readOnly = SparseFile.openReadOnly(existing)) {
            assertThat(readOnly.isWritable()).isFalse();
            assertThatThrownBy(() -> readOnly.punchHole(0, 4096))
                    .isInstanceOf(DiskIOException.class)
                    .hasMessageContaining("fallocate(PUNCH_HOLE, offset=0, length=4096)")
                    .hasMessageContaining(existing.toString());
        }
    }

    @Test
    void callsAfterCloseFailWithATypedError() throws IOException {
        SparseFile file = SparseFile.create(dir.resolve("disk.img"), MIB);
        file.close();
        file.close();
        assertThatThrownBy(file::fdatasync).isInstanceOf(DiskIOException.class).hasMessageContaining("closed");
    }

    @Test
    void reopenedFileKeepsDataAndHoles() throws IOException {
        Path path = dir.resolve("disk.img");
        try (SparseFile file = SparseFile.create(path, 4L * MIB)) {
            writePattern(file, 2L * MIB, 4096, (byte) 0x11);
            file.fdatasync();
        }
        try (SparseFile file = SparseFile.openReadOnly(path)) {
            assertThat(collect(file.dataExtents(0, file.size()))).hasSize(1);
            assertThat(file.allocatedBytes()).isEqualTo(4096);
        }
    }

    private static void writePattern(SparseFile file, long offset, int length, byte value) throws IOException {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, value);
        file.writeFully(ByteBuffer.wrap(bytes), offset);
    }

    private static List<Extent> collect(Iterable<Extent> extents) {
        List<Extent> list = new ArrayList<>();
        extents.forEach(list::add);
        return list;
    }

}
