package io.datamover.applier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.RecordKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rehearsal's copy-on-write view on real sparse files: it keeps showing the image at its start while the applier
 * writes the replicas; the test VM's writes read back from the scratch only; the bounds refuse or end as documented;
 * closing deletes everything and leaves the replicas as the applier made them.
 */
class RehearsalViewTest {
    private static final int MIB = 1024 * 1024;
    private static final List<DiskInfo> DISKS = List.of(new DiskInfo(1, "sys", 4 * MIB, 4096),
            new DiskInfo(2, "data", 2 * MIB, 4096));

    @TempDir
    Path dir;

    private ReplicaSet set;
    private final List<BlockWrite> toRelease = new ArrayList<>();
    private long seq;

    @AfterEach
    void close() throws IOException {
        toRelease.forEach(BlockWrite::release);
        set.close();
    }

    private Applier open() throws Exception {
        set = ReplicaSet.open(dir.resolve("replicas"),
                new ReplicaSetConfig("pair-a", 3, DISKS, Provisioning.THIN));
        Applier applier = new Applier(set, new SimpleMeterRegistry());
        // The initial sync, empty: both disks UP_TO_DATE, a consistent image.
        applier.apply(1, 4, List.of(BlockWrite.marker(1, 1, RecordKind.SYNC_BEGIN),
                BlockWrite.marker(2, 2, RecordKind.SYNC_BEGIN), BlockWrite.marker(3, 1, RecordKind.SYNC_END),
                BlockWrite.marker(4, 2, RecordKind.SYNC_END)));
        seq = 4;
        return applier;
    }

    /** Applies one batch of random writes (data, zero, trim) to both disks. */
    private void randomBatch(Applier applier, Random rnd) throws Exception {
        long first = seq + 1;
        List<BlockWrite> entries = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            DiskInfo disk = DISKS.get(rnd.nextInt(DISKS.size()));
            int length = 1 + rnd.nextInt(200_000);
            long offset = rnd.nextLong(disk.sizeBytes() - length);
            BlockWrite e;
            if (rnd.nextInt(5) == 0) {
                e = BlockWrite.range(++seq, disk.id(), offset, length, RecordKind.ZERO);
            } else {
                byte[] bytes = new byte[length];
                rnd.nextBytes(bytes);
                e = BlockWrite.data(++seq, disk.id(), offset, Unpooled.wrappedBuffer(bytes));
            }
            toRelease.add(e);
            entries.add(e);
        }
        applier.apply(first, seq, entries);
    }

    /** Applies {@code count} batches of {@link #randomBatch}. */
    private void randomBatches(Applier applier, Random rnd, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            randomBatch(applier, rnd);
        }
    }

    /** Opens a rehearsal view of the replicas' image now, with these bounds, and hands it to the applier. */
    private RehearsalView rehearse(Applier applier, long scratchMax, long preserveMax) throws Exception {
        RehearsalView view = RehearsalView.open(set, dir.resolve("rehearsal"), scratchMax, preserveMax, 1000);
        applier.rehearsal(view);
        return view;
    }

    private String replica(String disk) throws Exception {
        return sha256(Files.readAllBytes(dir.resolve("replicas").resolve(disk + ".img")));
    }

    private static String view(RehearsalView view, String disk) throws Exception {
        ByteBuffer all = ByteBuffer.allocate(Math.toIntExact(view.diskSizes().get(disk)));
        view.read(disk, all, 0);
        return sha256(all.array());
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void theViewKeepsTheImageOfItsStartWhileTheApplierWritesAndTheTestVmWritesStayInTheScratch() throws Exception {
        Applier applier = open();
        Random rnd = new Random(18);
        randomBatches(applier, rnd, 5);
        String sysAtStart = replica("sys");
        String dataAtStart = replica("data");
        RehearsalView view = rehearse(applier, 8 * MIB, 16 * MIB);
        assertThat(view.seq()).isEqualTo(seq);

        randomBatches(applier, rnd, 10);
        assertThat(replica("sys")).isNotEqualTo(sysAtStart);
        assertThat(view(view, "sys")).isEqualTo(sysAtStart);
        assertThat(view(view, "data")).isEqualTo(dataAtStart);
        assertThat(view.preservedBytes()).isPositive().isLessThanOrEqualTo(6 * MIB);

        // The test VM writes an unaligned range: it reads back, the rest of the view and the replica are unchanged.
        String replicaBefore = replica("sys");
        byte[] written = new byte[100_000];
        Arrays.fill(written, (byte) 0x5a);
        view.write("sys", ByteBuffer.wrap(written), 70_000);
        ByteBuffer back = ByteBuffer.allocate(written.length);
        view.read("sys", back, 70_000);
        assertThat(back.array()).isEqualTo(written);
        assertThat(replica("sys")).isEqualTo(replicaBefore);
        assertThat(view.scratchBytes()).isEqualTo(2L * RehearsalView.CHUNK);
        randomBatch(applier, rnd);
        back.clear();
        view.read("sys", back, 70_000);
        assertThat(back.array()).as("the applier never reaches the scratch").isEqualTo(written);
        assertThat(view(view, "data")).isEqualTo(dataAtStart);

        applier.rehearsal(null);
        view.close();
        assertThat(dir.resolve("rehearsal")).doesNotExist();
        randomBatch(applier, rnd); // the applier goes on without it
    }

    @Test
    void readsOnAnotherThreadWhileTheApplierWritesAlwaysSeeTheImageOfTheStart() throws Exception {
        Applier applier = open();
        Random rnd = new Random(20);
        randomBatches(applier, rnd, 3);
        String atStart = replica("sys");
        RehearsalView view = rehearse(applier, MIB, 16 * MIB);
        java.util.concurrent.atomic.AtomicBoolean applying = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.CompletableFuture<List<String>> seen = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> {
                    List<String> images = new ArrayList<>();
                    try {
                        while (applying.get() || images.isEmpty()) {
                            images.add(view(view, "sys")); // one whole-disk read per pass
                        }
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                    return images;
                });
        randomBatches(applier, rnd, 20);
        applying.set(false);
        assertThat(seen.get(1, java.util.concurrent.TimeUnit.MINUTES)).isNotEmpty().containsOnly(atStart);
        assertThat(replica("sys")).isNotEqualTo(atStart);
        applier.rehearsal(null);
        view.close();
    }

    @Test
    void aFullScratchRefusesTheWriteAndFullBeforeImagesEndTheViewNeverTheApplier() throws Exception {
        Applier applier = open();
        Random rnd = new Random(19);
        randomBatch(applier, rnd);
        RehearsalView view = rehearse(applier, 2L * RehearsalView.CHUNK, 4L * RehearsalView.CHUNK);
        view.write("data", ByteBuffer.allocate(RehearsalView.CHUNK), 0);
        assertThatThrownBy(() -> view.write("data", ByteBuffer.allocate(3 * RehearsalView.CHUNK), 0))
                .isInstanceOf(RehearsalView.ScratchFullException.class).hasMessageContaining("--scratch-max");
        assertThat(view.scratchBytes()).isEqualTo(RehearsalView.CHUNK);

        long before = set.appliedSeq();
        randomBatches(applier, rnd, 5);
        assertThat(set.appliedSeq()).isGreaterThan(before);
        assertThat(view.endedReason()).contains("--preserve-max");
        assertThat(view.preservedBytes()).isLessThanOrEqualTo(4L * RehearsalView.CHUNK);
        assertThatThrownBy(() -> view.read("sys", ByteBuffer.allocate(10), 0)).hasMessageContaining("ended");
        view.close();
        assertThat(dir.resolve("rehearsal")).doesNotExist();
    }

    @Test
    void aReplicaWithoutAConsistentImageIsRefused() throws Exception {
        Applier applier = open();
        applier.apply(5, 5, List.of(BlockWrite.marker(5, 1, RecordKind.SYNC_BEGIN))); // a resync of sys
        assertThatThrownBy(() -> RehearsalView.open(set, dir.resolve("rehearsal"), MIB, MIB, 0))
                .isInstanceOf(RehearsalRefusedException.class).hasMessageContaining("resync");
        assertThat(dir.resolve("rehearsal")).doesNotExist();
    }
}
