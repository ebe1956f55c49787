package io.datamover.gateway.target;

import static io.datamover.gateway.target.Images.data;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.protocol.Batch;
import io.datamover.protocol.Compression;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.ProtocolException;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchSpoolTest {
    @TempDir
    Path dir;

    private final Images images = new Images();

    private BatchSpool.Entry spool(BatchSpool spool, long first, long last) throws Exception {
        Batch batch = images.batch(3, first, last, Compression.LZ4,
                List.of(data(last, 1, 0, Images.pattern(64 * 1024, (int) first))));
        try {
            BatchSpool.Entry entry = spool.write(batch, 0);
            spool.publish(entry);
            return entry;
        } finally {
            batch.release();
        }
    }

    @Test
    void aReopenedSpoolKeepsWhatFollowsTheAppliedSeqAndDropsTheRest() throws Exception {
        BatchSpool spool = BatchSpool.open(dir, 0, 0);
        spool(spool, 1, 2);
        spool(spool, 3, 5);
        spool(spool, 6, 6);
        Files.writeString(dir.resolve("00000000000000000007-00000000000000000007.batch.tmp"), "torn by a crash");
        long bytes = spool.bytes();

        // Batch [1, 2] was applied but the crash came before its delete.
        BatchSpool reopened = BatchSpool.open(dir, 2, 0);
        assertThat(reopened.batches()).isEqualTo(2);
        assertThat(reopened.lastSeqOr(2)).isEqualTo(6);
        assertThat(reopened.bytes()).isLessThan(bytes);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "00000000000000000003-00000000000000000005.batch", "00000000000000000006-00000000000000000006.batch");
        }
        BatchSpool.Entry oldest = reopened.awaitOldest(0);
        assertThat(oldest.firstSeq()).isEqualTo(3);
        Batch back = reopened.read(oldest, FrameLimits.DEFAULT, ByteBufAllocator.DEFAULT);
        try {
            assertThat(back.lastSeq()).isEqualTo(5);
            assertThat(back.compression()).isEqualTo(Compression.LZ4);
        } finally {
            back.release();
        }
        reopened.removeOldest(oldest);
        assertThat(reopened.batches()).isEqualTo(1);
        assertThat(Files.exists(oldest.file())).isFalse();
    }

    @Test
    void aMissingBatchIsRefusedAndNothingIsDeleted() throws Exception {
        BatchSpool spool = BatchSpool.open(dir, 0, 0);
        spool(spool, 1, 2);
        BatchSpool.Entry middle = spool(spool, 3, 4);
        spool(spool, 5, 6);
        Files.delete(middle.file());

        assertThatThrownBy(() -> BatchSpool.open(dir, 0, 0)).hasMessageContaining("does not follow seq 2")
                .hasMessageContaining("missing");
        try (var files = Files.list(dir)) {
            assertThat(files.count()).isEqualTo(2);
        }
    }

    @Test
    void aFlippedByteInASpooledBatchIsFoundWhenItIsRead() throws Exception {
        BatchSpool spool = BatchSpool.open(dir, 0, 0);
        BatchSpool.Entry entry = spool(spool, 1, 1);
        try (FileChannel ch = FileChannel.open(entry.file(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, entry.sizeBytes() - 10);
            one.put(0, (byte) (one.get(0) ^ 0x40)).rewind();
            ch.write(one, entry.sizeBytes() - 10);
        }
        assertThatThrownBy(() -> spool.read(entry, FrameLimits.DEFAULT, ByteBufAllocator.DEFAULT))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.CRC_MISMATCH));
    }
}
