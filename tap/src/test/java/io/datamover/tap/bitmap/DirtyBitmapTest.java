package io.datamover.tap.bitmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.disk.FileIdentity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirtyBitmapTest {
    private static final BitmapIdentity IDENTITY = new BitmapIdentity("pair-test", 1,
            new FileIdentity(12, 1_765_000_000L, 123, 0, 0));

    private static final long DISK = 1L << 30;
    private static final int REGION = 64 << 10;

    @TempDir
    Path dir;

    @Test
    void durableBitsSurviveACrashWithoutClose() throws IOException {
        Path file = dir.resolve("disk.dirty");
        DirtyBitmap crashed = DirtyBitmap.open(file, IDENTITY, DISK, REGION, pages -> { });
        crashed.awaitDurable(crashed.set(3, 5));
        crashed.awaitDurable(crashed.set(16_383, 16_383));
        // Simulated crash: never closed, never flushed again; the file is read as it is.
        try (DirtyBitmap reopened = DirtyBitmap.open(file, IDENTITY, DISK, REGION, pages -> { })) {
            assertThat(reopened.snapshot().stream()).containsExactly(3, 4, 5, 16_383);
        }
    }

    @Test
    void alreadyDurableBitsNeedNoSyncAndClearsAreLazy() throws IOException {
        AtomicLong syncs = new AtomicLong();
        Path file = dir.resolve("disk.dirty");
        try (DirtyBitmap bitmap = DirtyBitmap.open(file, IDENTITY, DISK, REGION, pages -> syncs.incrementAndGet())) {
            bitmap.awaitDurable(bitmap.set(7, 7));
            assertThat(syncs).hasValue(1);
            assertThat(bitmap.set(7, 7)).as("no ticket for a durable bit").isZero();

            bitmap.clear(7);
            assertThat(syncs).as("clearing does not sync").hasValue(1);
            try (DirtyBitmap onDisk = DirtyBitmap.open(file, IDENTITY, DISK, REGION, pages -> { })) {
                assertThat(onDisk.isDirty(7)).as("a stale 1 on disk is fine").isTrue();
            }
        }
        try (DirtyBitmap afterClose = DirtyBitmap.open(file, IDENTITY, DISK, REGION, pages -> { })) {
            assertThat(afterClose.dirtyCount()).as("close writes the lazy clear").isZero();
        }
    }

    @Test
    void concurrentNewBitsShareSyncs() throws Exception {
        AtomicLong syncs = new AtomicLong();
        int writers = 32;
        try (DirtyBitmap bitmap = DirtyBitmap.open(dir.resolve("disk.dirty"), IDENTITY, DISK, REGION, pages -> syncs.incrementAndGet());
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
        DirtyBitmap.open(file, IDENTITY, DISK, REGION, pages -> { }).close();

        assertThatThrownBy(() -> DirtyBitmap.open(file, IDENTITY, DISK / 2, REGION, pages -> { }))
                .isInstanceOf(BitmapFormatException.class)
                .hasMessageContaining("the disk shrank from " + DISK + " to " + DISK / 2 + " bytes")
                .hasMessageContaining("shrinking a protected disk is refused");
        assertThatThrownBy(() -> DirtyBitmap.open(file, IDENTITY, DISK, REGION * 2, pages -> { }))
                .isInstanceOf(BitmapFormatException.class).hasMessageContaining("region size");

        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {'X'}), 0);
        }
        assertThatThrownBy(() -> DirtyBitmap.open(file, IDENTITY, DISK, REGION, pages -> { }))
                .isInstanceOf(BitmapFormatException.class).hasMessageContaining("magic");
    }

    @Test
    void aBitmapOfADiskThatGrewKeepsItsBitsAndMarksWhatTheNewPartHolds() throws IOException {
        Path file = dir.resolve("disk.dirty");
        long oldSize = DISK - 1000; // not on a region boundary: its last region is partly new
        try (DirtyBitmap bitmap = DirtyBitmap.open(file, IDENTITY, oldSize, REGION, pages -> { })) {
            bitmap.awaitDurable(bitmap.set(3, 5));
        }
        long grown = DISK + (64L << 20);
        long lastOldRegion = oldSize / REGION;
        List<Long> askedFrom = new ArrayList<>();
        try (DirtyBitmap bitmap = DirtyBitmap.open(file, IDENTITY, grown, REGION, pages -> { },
                DirtyBitmap.InitialRegions.NONE, from -> {
                    askedFrom.add(from);
                    java.util.BitSet data = new java.util.BitSet();
                    data.set(Math.toIntExact(DISK / REGION + 10));
                    return data;
                })) {
            assertThat(bitmap.regionCount()).isEqualTo(grown / REGION);
            assertThat(bitmap.snapshot().stream()).containsExactly(3, 4, 5, (int) (DISK / REGION + 10));
            assertThat(bitmap.created()).isFalse();
        }
        assertThat(askedFrom).containsExactly(oldSize);
        try (DirtyBitmap reopened = DirtyBitmap.open(file, IDENTITY, grown, REGION, pages -> { })) {
            assertThat(reopened.dirtyCount()).as("grown once, durably").isEqualTo(4);
        }
        // Without a way to tell what the new part holds, all of it is dirty.
        Path other = dir.resolve("other.dirty");
        DirtyBitmap.open(other, IDENTITY, oldSize, REGION, pages -> { }).close();
        try (DirtyBitmap bitmap = DirtyBitmap.open(other, IDENTITY, grown, REGION, pages -> { })) {
            assertThat(bitmap.dirtyCount()).isEqualTo(grown / REGION - lastOldRegion);
        }
    }

    @Test
    void aBitmapGrowsWhileOpenKeepingEveryBitAndMakingThemDurable() throws IOException {
        Path file = dir.resolve("disk.dirty");
        long grown = DISK + (DISK / 2) + 1000; // not a whole region: the last one is partial
        long oldRegions = DISK / REGION;
        // Never closed: the bits must be durable from the growth alone, as after a crash.
        DirtyBitmap bitmap = DirtyBitmap.open(file, IDENTITY, DISK, REGION, pages -> { });
        bitmap.awaitDurable(bitmap.set(2, 2));
        long ticket = bitmap.set(7, 7); // set, not yet durable
        bitmap.set(9, 9);
        bitmap.awaitDurable(bitmap.set(11, 11));
        bitmap.clear(9); // a lazy 0
        java.util.BitSet added = new java.util.BitSet();
        added.set((int) oldRegions + 5);
        bitmap.grow(grown, added);
        assertThat(bitmap.regionCount()).isEqualTo(oldRegions + oldRegions / 2 + 1);
        bitmap.awaitDurable(ticket); // returns at once: covered by the growth
        assertThat(bitmap.dirtyCount()).isEqualTo(4);
        long last = bitmap.regionCount() - 1;
        bitmap.awaitDurable(bitmap.set(last, last)); // the new regions take writes
        assertThatThrownBy(() -> bitmap.grow(DISK, new java.util.BitSet())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot shrink");
        try (DirtyBitmap reopened = DirtyBitmap.open(file, IDENTITY, grown, REGION, pages -> { })) {
            assertThat(reopened.snapshot().stream()).containsExactly(2, 7, 11, (int) oldRegions + 5, (int) last);
        }
        assertThatThrownBy(() -> DirtyBitmap.open(file, IDENTITY, DISK, REGION, pages -> { }))
                .hasMessageContaining("shrinking a protected disk is refused");
    }

    @Test
    void aCorruptedHeaderFieldFailsTheChecksum() throws IOException {
        Path file = dir.resolve("disk.dirty");
        DirtyBitmap.open(file, IDENTITY, DISK, REGION, pages -> { }).close();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {9}), 15); // the region size: the version (at 8) says where the CRC is
        }
        assertThatThrownBy(() -> DirtyBitmap.open(file, IDENTITY, DISK, REGION, pages -> { }))
                .isInstanceOf(BitmapFormatException.class).hasMessageContaining("checksum");
    }

    @Test
    void aBitmapOfAnotherImagePairOrGroupIsRefusedWithWhatToDo() throws IOException {
        Path file = dir.resolve("disk.dirty");
        try (DirtyBitmap bitmap = DirtyBitmap.open(file, IDENTITY, DISK, REGION, pages -> { })) {
            bitmap.awaitDurable(bitmap.set(7, 7));
        }
        FileIdentity image = IDENTITY.image();
        List<BitmapIdentity> others = List.of(
                new BitmapIdentity("pair-test", 1, new FileIdentity(13, image.birthSeconds(), image.birthNanos(), 0, 0)),
                new BitmapIdentity("pair-test", 1, new FileIdentity(12, image.birthSeconds() + 1, 123, 0, 0)),
                new BitmapIdentity("pair-test", 1, new FileIdentity(0, 0, 0, 8, 16)),
                new BitmapIdentity("another-pair", 1, image),
                new BitmapIdentity("pair-test", 2, image));
        for (BitmapIdentity other : others) {
            assertThatThrownBy(() -> DirtyBitmap.open(file, other, DISK, REGION, pages -> { })).as("%s", other)
                    .isInstanceOf(BitmapFormatException.class).hasMessageContaining(file.toString())
                    .hasMessageContaining("delete").hasMessageContaining(
                            other.image().equals(image) ? "not of pair " + other.pairId() : "made for the image with "
                                    + image);
        }
        try (DirtyBitmap same = DirtyBitmap.open(file, IDENTITY, DISK, REGION, pages -> { })) {
            assertThat(same.snapshot().stream()).containsExactly(7);
        }
    }

    @Test
    void aVersion1BitmapIsAdoptedWithItsBitsAndFromThenOnChecked() throws IOException {
        Path file = dir.resolve("disk.dirty");
        long regions = DISK / REGION;
        ByteBuffer header = ByteBuffer.allocate(BitmapFile.HEADER_BYTES);
        header.putLong(BitmapFile.MAGIC).putInt(1).putInt(REGION).putLong(DISK).putLong(regions);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, 32);
        header.putInt((int) crc.getValue()).clear();
        ByteBuffer bits = ByteBuffer.allocate((int) (regions / 8)).order(ByteOrder.LITTLE_ENDIAN);
        bits.putLong(0, 1L << 5).putLong(8 * 100, 1L << 63);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(header, 0);
            channel.write(bits, BitmapFile.HEADER_BYTES);
        }

        try (DirtyBitmap adopted = DirtyBitmap.open(file, IDENTITY, DISK, REGION, pages -> { })) {
            assertThat(adopted.created()).isFalse();
            assertThat(adopted.snapshot().stream()).containsExactly(5, 100 * 64 + 63);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer version = ByteBuffer.allocate(4);
            channel.read(version, 8);
            assertThat(version.getInt(0)).isEqualTo(BitmapFile.VERSION);
        }
        assertThatThrownBy(() -> DirtyBitmap.open(file, new BitmapIdentity("another-pair", 1, IDENTITY.image()), DISK,
                REGION, pages -> { })).isInstanceOf(BitmapFormatException.class);
        try (DirtyBitmap reopened = DirtyBitmap.open(file, IDENTITY, DISK, REGION, pages -> { })) {
            assertThat(reopened.snapshot().stream()).containsExactly(5, 100 * 64 + 63);
        }
    }
}
