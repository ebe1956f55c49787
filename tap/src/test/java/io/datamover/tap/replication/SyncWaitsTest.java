package io.datamover.tap.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.disk.FileIdentity;
import io.datamover.protocol.RecordKind;
import io.datamover.tap.bitmap.BitmapIdentity;
import io.datamover.tap.bitmap.DirtyBitmap;
import io.datamover.tap.bitmap.RegionTracker;
import io.datamover.tap.support.CapturingSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The syncers wait for the group's events, not in polling slices: room in the window and the ack of a SYNC_END are
 * futures the group completes as the owner applies acks and hands records off, or as the mode changes.
 */
class SyncWaitsTest {
    private static final BitmapIdentity IDENTITY = new BitmapIdentity("pair-test", 1, new FileIdentity(12, 0, 0, 0, 0));
    private static final int REGION = 64 << 10;
    private static final int WRITE = 4096;

    @TempDir
    Path dir;
    private final CapturingSink sink = new CapturingSink();
    private DirtyBitmap bitmap;
    private ConsistencyGroup group;

    /** Three guest writes, seqs 1-3, handed off and not acknowledged. */
    @BeforeEach
    void threeWritesHandedOff() throws IOException {
        bitmap = DirtyBitmap.open(dir.resolve("d.dirty"), IDENTITY, 64L * REGION, REGION, pages -> { });
        group = new ConsistencyGroup(1, List.of(new RegionTracker(bitmap)), sink, InstantSource.system(), 1, 1 << 20,
                1_000, new SimpleMeterRegistry());
        for (int region = 1; region <= 3; region++) {
            ConsistencyGroup.OrderedWrite w = group.begin(0, RecordKind.DATA, (long) region * REGION, WRITE, false);
            w.markDirty();
            w.complete(true, Unpooled.wrappedBuffer(new byte[WRITE]));
        }
    }

    @AfterEach
    void close() throws IOException {
        bitmap.close();
    }

    @Test
    void roomIsAnsweredByTheAckThatMakesIt() {
        CompletableFuture<Boolean> room = group.whenReplicationRoom(WRITE);
        assertThat(room).isNotDone();

        group.acknowledge(1);
        assertThat(room).as("8 KiB still unacknowledged").isNotDone();
        group.acknowledge(2);

        assertThat(room).isCompletedWithValue(true);
        assertThat(group.whenReplicationRoom(WRITE)).as("room now: answered at once").isCompletedWithValue(true);
    }

    @Test
    void roomIsAnsweredNoWhenTheGroupStopsStreaming() {
        CompletableFuture<Boolean> room = group.whenReplicationRoom(WRITE);

        group.replicationLost("the gateway went away");

        assertThat(room).isCompletedWithValue(false);
        assertThat(group.whenReplicationRoom(1L << 30)).isCompletedWithValue(false);
    }

    @Test
    void aSyncReadWaitsForItsShareOfTheHandOffQueueUntilTheOwnerHandsOff() throws Exception {
        ConsistencyGroup stalled = new ConsistencyGroup(2, List.of(new RegionTracker(bitmap)), sink,
                InstantSource.system(), 1, 2 * WRITE, 1_000, new SimpleMeterRegistry());
        stalled.handOffBy(() -> { }); // an owner that hands off only when told here
        for (int i = 0; i < 2; i++) {
            ConsistencyGroup.OrderedWrite w = stalled.begin(0, RecordKind.DATA, (long) (8 + i) * REGION, WRITE, false);
            w.markDirty();
            w.complete(true, Unpooled.wrappedBuffer(new byte[WRITE]));
        }
        assertThat(stalled.pendingHandOffBytes()).as("the queue is full").isEqualTo(2L * WRITE);

        CompletableFuture<ConsistencyGroup.OrderedWrite> read = CompletableFuture.supplyAsync(
                () -> stalled.beginSyncRead(0, 12L * REGION, WRITE));
        assertThat(read).as("no share left: the sync read waits").isNotDone();

        stalled.handOffReady();

        ConsistencyGroup.OrderedWrite ordered = read.get(30, TimeUnit.SECONDS);
        assertThat(ordered.seq()).isEqualTo(3);
        ordered.markDirty();
        ordered.complete(true, Unpooled.wrappedBuffer(new byte[WRITE]));
        stalled.handOffReady();
        assertThat(stalled.pendingHandOffBytes()).isZero();
        stalled.unregisterMetrics();
    }

    @Test
    void theAckOfASyncEndIsAnsweredWhenTheOwnerAppliesIt() {
        assertThat(group.startResync("a sync")).isTrue();
        CompletableFuture<Boolean> acknowledged = group.whenAcknowledged(3);

        group.acknowledge(2);
        assertThat(acknowledged).isNotDone();
        group.acknowledge(3);

        assertThat(acknowledged).isCompletedWithValue(true);
    }

    @Test
    void theAckWaitEndsWhenTheResyncIsCutShort() {
        assertThat(group.startResync("a sync")).isTrue();
        CompletableFuture<Boolean> acknowledged = group.whenAcknowledged(3);

        group.replicationLost("the gateway went away");

        assertThat(acknowledged).isCompletedWithValue(false);
    }
}
