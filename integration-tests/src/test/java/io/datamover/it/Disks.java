package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.disk.Extent;
import io.datamover.disk.SparseFile;
import io.datamover.protocol.DiskInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/** Whole-disk comparisons for the end-to-end tests: digests, allocated bytes, data extents. */
final class Disks {
    private Disks() {}

    static Path sparse(Path path, long size) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(size); // a hole from end to end
        }
        return path;
    }

    /** Writes {@code count} chunks of random bytes of {@code chunk} bytes at random chunk-aligned offsets. */
    static long scatter(Path path, long size, int chunk, int count, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] bytes = new byte[chunk];
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            for (int i = 0; i < count; i++) {
                random.nextBytes(bytes);
                ch.write(ByteBuffer.wrap(bytes), random.nextLong(size / chunk) * chunk);
            }
            ch.force(false);
        }
        return (long) chunk * count;
    }

    static String sha256(Path path) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(path), digest())) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        }
    }

    /** Per disk of {@code disks}, the SHA-256 and allocated bytes of {@code directory/NAME.img}, in that order. */
    static Map<String, String> fingerprints(Path directory, List<DiskInfo> disks) throws IOException {
        Map<String, String> fingerprints = new LinkedHashMap<>();
        for (DiskInfo disk : disks) {
            Path image = directory.resolve(disk.name() + ".img");
            fingerprints.put(disk.name(), sha256(image) + " " + allocatedBytes(image));
        }
        return fingerprints;
    }

    static long allocatedBytes(Path path) throws IOException {
        try (SparseFile f = SparseFile.openReadOnly(path)) {
            return f.allocatedBytes();
        }
    }

    /**
     * Asserts that {@code replica} equals {@code source} while reading only data: every data extent of the source
     * matches the replica byte for byte, and every data extent of the replica lies where the source has data or
     * holds only zeros. Holes read as zeros on both sides, so this is whole-disk equality for sparse disks of any
     * size.
     */
    static void assertSameContentReadingOnlyData(Path source, Path replica) throws IOException {
        try (SparseFile s = SparseFile.openReadOnly(source); SparseFile r = SparseFile.openReadOnly(replica)) {
            assertThat(r.size()).isEqualTo(s.size());
            for (Extent e : s.dataExtents(0, s.size())) {
                assertRangeEqual(s, r, e.offset(), e.length());
            }
            for (Extent e : r.dataExtents(0, r.size())) {
                assertRangeEqual(s, r, e.offset(), e.length());
            }
        }
    }

    private static void assertRangeEqual(SparseFile a, SparseFile b, long offset, long length) throws IOException {
        ByteBuffer x = ByteBuffer.allocateDirect(1 << 20);
        ByteBuffer y = ByteBuffer.allocateDirect(1 << 20);
        for (long at = offset; at < offset + length; at += x.capacity()) {
            int n = (int) Math.min(x.capacity(), offset + length - at);
            x.clear().limit(n);
            y.clear().limit(n);
            a.readFully(x, at);
            b.readFully(y, at);
            x.flip();
            y.flip();
            if (!x.equals(y)) {
                throw new AssertionError("the replica differs from the source in [" + at + ", " + (at + n) + ")");
            }
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
