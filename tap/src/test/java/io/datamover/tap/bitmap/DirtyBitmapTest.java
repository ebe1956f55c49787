package io.datamover.tap.bitmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirtyBitmapTest {

    private static final long DISK = 1L << 30;
    private static final int REGION = 64 << 10;

    @TempDir
    Path dir;

    @Test
    void durableBitsSurviveACrashWithoutClose() throws IOException {
        Path file = dir.resolve("disk.dirty");
        DirtyBitmap crashed = DirtyBitmap.open(file, DISK, REGION, pages -> { });
        crashed.awaitDurable(crashed.set(3, 5));
        crashed.awaitDurable(crashed.set(16_383, 16_383));
        // Simulated crash: never closed, never flushed again; the file is read as it is.
        try (DirtyBitmap reopened = DirtyBitmap.open(file, DISK, REGION, pages -> { })) {
            assertThat(reopened.snapshot().stream()).containsExactly(3, 4, 5, 16_383);
        }
    }

    @Test
    void alreadyDurableBitsNeedNoSyncAndClearsAreLazy() throws IOException {
        AtomicLong syncs = new AtomicLong();
        Path file = dir.resolve("disk.dirty");
        try (DirtyBitmap bitmap = DirtyBitmap.open(file, DISK, REGION, pages -> syncs.incrementAndGet())) {
            bitmap.awaitDurable(bitmap.set(7, 7));
            assertThat(syncs).hasValue(1);
            assertThat(bitmap.set(7, 7)).as("no ticket for a durable bit").isZero();

            bitmap.clear(7);
            assertThat(syncs).as("clearing does not sync").hasValue(1);
            try (DirtyBitmap onDisk = DirtyBitmap.open(file, DISK, REGION, pages -> { })) {
                assertThat(onDisk.isDirty(7)).as("a stale 1 on disk is fine").isTrue();
            }
        }
        try (DirtyBitmap afterClose = DirtyBitmap.open(file, DISK, REGION, pages -> { })) {
            assertThat(afterClose.dirtyCount()).as("close writes the lazy clear").isZero();
        }
    }

    @Test
    void concurrentNewBitsShareSyncs() throws Exception {
        AtomicLong syncs = new AtomicLong();
        int writers = 32;
        try (DirtyBitmap bitmap = DirtyBitmap.open(dir.resolve("disk.dirty"), DISK, REGION, pages -> syncs.incrementAndGet());
                ExecutorService pool = Executors.newFixedThreadPool(writers)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                long region = i * 100L;
                done.add(pool.submit(() -> {
                    go.await();
                    bitmap.awaitDurable(bitmap.set(region, region));
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get();
            }
            assertThat(bitmap.dirtyCount()).isEqualTo(writers);
            assertThat(syncs.get()).as("group commit").isBetween(1L, (long) writers - 1);
        }
    }

    @Test
    void aBitmapOfAnotherDiskOrFormatIsRefused() throws IOException {
        Path file = dir.resolve("disk.dirty");
        DirtyBitmap.open(file, DISK, REGION, pages -> { }).close();

        assertThatThrownBy(() -> DirtyBitmap.open(file, DISK * 2, REGION, pages -> { }))
                .isInstanceOf(BitmapFormatException.class).hasMessageContaining("disk size");
        assertThatThrownBy(() -> DirtyBitmap.open(file, DISK, REGION * 2, pages -> { }))
                .isInstanceOf(BitmapFormatException.class).hasMessageContaining("region size");

        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {'X'}), 0);
        }
        assertThatThrownBy(() -> DirtyBitmap.open(file, DISK, REGION, pages -> { }))
                .isInstanceOf(BitmapFormatException.class).hasMessageContaining("magic");
    }

    @Test
    void aCorruptedHeaderFieldFailsTheChecksum() throws IOException {
        Path file = dir.resolve("disk.dirty");
        DirtyBitmap.open(file, DISK, REGION, pages -> { }).close();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {9}), 11);
        }
        assertThatThrownBy(() -> DirtyBitmap.open(file, DISK, REGION, pages -> { }))
                .isInstanceOf(BitmapFormatException.class).hasMessageContaining("checksum");
    }
}
