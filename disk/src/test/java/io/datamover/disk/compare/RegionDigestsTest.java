package io.datamover.disk.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.disk.SparseFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An online verify's per-site digests: a hole digests as zeros without a read, a region with data as its bytes, a
 * region cut by the end of the disk up to the end; spans over the bound or unaligned are refused.
 */
class RegionDigestsTest {
    private static final int REGION = 64 << 10;

    @TempDir
    Path dir;

    @Test
    void holesDigestAsZerosWithoutAReadAndDataAsItsBytes() throws Exception {
        long size = 4L * REGION + 4096; // the last region is cut by the end of the disk
        byte[] block = new byte[4096];
        Arrays.fill(block, (byte) 0x42);
        try (SparseFile file = SparseFile.create(dir.resolve("disk.img"), size)) {
            file.writeFully(ByteBuffer.wrap(block), REGION + 8192);
            file.writeFully(ByteBuffer.wrap(block), 4L * REGION);

            RegionDigests.Span span = RegionDigests.read(file, 0, REGION, 8);

            byte[] second = new byte[REGION];
            System.arraycopy(block, 0, second, 8192, block.length);
            assertThat(span.digests()).containsExactly(sha256(new byte[REGION]), sha256(second),
                    sha256(new byte[REGION]), sha256(new byte[REGION]), sha256(block));
            assertThat(span.bytesRead()).as("only the data extents are read")
                    .isLessThanOrEqualTo(2L * REGION).isGreaterThanOrEqualTo(2L * block.length);
            assertThat(RegionDigests.read(file, 8L * REGION, REGION, 4).digests()).as("past the end").isEmpty();
        }
    }

    @Test
    void unalignedOrOversizedSpansAreRefused() throws Exception {
        try (SparseFile file = SparseFile.create(dir.resolve("disk.img"), 1L << 30)) {
            assertThatThrownBy(() -> RegionDigests.read(file, 4096, REGION, 1))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> RegionDigests.read(file, 0, REGION, RegionDigests.MAX_SPAN_BYTES / REGION + 1))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> RegionDigests.read(file, 0, 1000, 1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
