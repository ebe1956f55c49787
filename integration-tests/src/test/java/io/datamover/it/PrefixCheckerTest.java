package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.disk.SparseFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checker on synthetic images: real sparse files, writes applied by hand. */
class PrefixCheckerTest {
    private static final long SIZE = 1 << 20;

    @TempDir
    Path dir;

    private Path initial;
    private final WriteLog log = new WriteLog();
    private final Random random = new Random(5);

    @BeforeEach
    void initialImageWithSomeData() throws IOException {
        initial = Disks.sparse(dir.resolve("initial.img"), SIZE);
        Disks.scatter(initial, SIZE, WriteLog.BLOCK, 20, 9);
    }

    @Test
    void everyTruePrefixPassesWithItsLength() throws IOException {
        List<Applied> writes = List.of(data(0, 16), data(8, 4), zeros(100, 8), data(4, 8), data(200, 1));
        for (int k = 0; k <= writes.size(); k++) {
            Path replica = replicaWithWrites(writes.subList(0, k));
            PrefixChecker.Result result = PrefixChecker.check(initial, replica, log.snapshot());
            assertThat(result.prefix()).as(result.describe()).isEqualTo(k);
        }
        assertThat(PrefixChecker.check(initial, replicaWithWrites(writes), log.snapshot()).complete()).isTrue();
    }

    @Test
    void aTornImageFailsAndNamesTheBlocks() throws IOException {
        Applied first = data(10, 4);
        data(12, 4); // write 2 overlaps write 1 in blocks 12 and 13
        Applied third = data(50, 2);
        // Write 3 applied, write 2 not: what a torn batch would leave.
        Path replica = replicaWithWrites(List.of(first, third));

        PrefixChecker.Result result = PrefixChecker.check(initial, replica, log.snapshot());

        assertThat(result.consistent()).as(result.describe()).isFalse();
        assertThat(result.describe()).contains("NOT a prefix");
        assertThat(result.differingBlocks()).isNotEmpty().allMatch(b -> b == 50 || b == 51 || (b >= 12 && b < 16));
        // Without write 3 it is the prefix of 1.
        assertThat(PrefixChecker.check(initial, replicaWithWrites(List.of(first)), log.snapshot()).prefix())
                .isEqualTo(1);
    }

    @Test
    void aHoleAndWrittenZerosAreTheSameContent() throws IOException {
        Applied overwritten = data(20, 8);
        Applied trimmed = zeros(20, 8);
        Path replica = replicaWithWrites(List.of(overwritten));
        // The zeros written as a hole on the replica ...
        try (SparseFile f = SparseFile.openReadWrite(replica)) {
            f.punchHole(trimmed.offset, trimmed.length);
        }
        assertThat(PrefixChecker.check(initial, replica, log.snapshot()).prefix()).isEqualTo(2);
        // ... or as written zero bytes.
        Path written = replicaWithWrites(List.of(overwritten));
        try (FileChannel ch = FileChannel.open(written, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(trimmed.length), trimmed.offset);
        }
        assertThat(PrefixChecker.check(initial, written, log.snapshot()).prefix()).isEqualTo(2);
    }

    @Test
    void theLargestPrefixWinsWhenAWriteChangesNothing() throws IOException {
        Applied once = data(30, 2);
        byte[] again = once.bytes.clone();
        log.data(once.offset, again, again.length); // the same bytes sent again: a retried write
        Path replica = replicaWithWrites(List.of(once));
        assertThat(PrefixChecker.check(initial, replica, log.snapshot()).prefix()).isEqualTo(2);
    }

    /** A write logged as acknowledged; bytes null for zeros. */
    private record Applied(long offset, int length, byte[] bytes) {}

    private Applied data(long block, int blocks) {
        byte[] bytes = new byte[blocks * WriteLog.BLOCK];
        random.nextBytes(bytes);
        log.data(block * WriteLog.BLOCK, bytes, bytes.length);
        return new Applied(block * WriteLog.BLOCK, bytes.length, bytes);
    }

    private Applied zeros(long block, int blocks) {
        log.zeros(block * WriteLog.BLOCK, blocks * WriteLog.BLOCK);
        return new Applied(block * WriteLog.BLOCK, blocks * WriteLog.BLOCK, null);
    }

    private Path replicaWithWrites(List<Applied> writes) throws IOException {
        Path replica = Files.createTempFile(dir, "replica", ".img");
        Files.copy(initial, replica, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel ch = FileChannel.open(replica, StandardOpenOption.WRITE)) {
            for (Applied w : writes) {
                ch.write(ByteBuffer.wrap(w.bytes == null ? new byte[w.length] : w.bytes), w.offset);
            }
        }
        return replica;
    }
}
