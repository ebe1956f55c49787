package io.datamover.tap.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.datamover.protocol.RecordKind;
import io.datamover.disk.FileIdentity;
import io.datamover.tap.bitmap.BitmapIdentity;
import io.datamover.tap.bitmap.DirtyBitmap;
import io.datamover.tap.bitmap.RegionTracker;
import io.datamover.tap.support.CapturingSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two ways a resync after JOURNAL_FULL can start, depending on where the sink restarts the stream. After a new
 * handshake the sender restarts at the journal's resume point: the refused records' seqs are re-based, their regions
 * pinned and copied. But the resync thread may restart the sender on the refused connection before the tap has seen
 * it close: then the sink restarts at its own next seq, nothing is pinned, and the resync has nothing to copy (no
 * SYNC_BEGIN: a target keeps no undo entry). The refused records are then still the sender's to send again, and
 * their regions stay dirty until the gateway acknowledges them, so nothing can be lost that way.
 *
 * <p>Before either, the stream owner's drain: new writes wait for a seq until the writes in flight are handed off,
 * and the hand-off of the last one, not a timed wait, ends it.
 */
class ResyncAfterRefusalTest {
    private static final BitmapIdentity IDENTITY = new BitmapIdentity("pair-test", 1, new FileIdentity(12, 0, 0, 0, 0));
    private static final int REGION = 64 << 10;

    @TempDir
    Path dir;
    private final CapturingSink sink = new CapturingSink();
    private DirtyBitmap bitmap;
    private RegionTracker tracker;
    private ConsistencyGroup group;

    /** Three guest writes, seqs 1-3 into regions 1-3, sent to the gateway and not acknowledged yet. */
    @BeforeEach
    void threeWritesSent() throws IOException {
        bitmap = DirtyBitmap.open(dir.resolve("d.dirty"), IDENTITY, 64L * REGION, REGION, pages -> { });
        tracker = new RegionTracker(bitmap);
        group = new ConsistencyGroup(1, List.of(tracker), sink, InstantSource.system(), 1, 1 << 20, 1_000,
                new SimpleMeterRegistry());
        for (int region = 1; region <= 3; region++) {
            ConsistencyGroup.OrderedWrite w = group.begin(0, RecordKind.DATA, (long) region * REGION, 4096, false);
            w.markDirty();
            w.complete(true, Unpooled.wrappedBuffer(new byte[4096]));
        }
    }

    @AfterEach
    void close() throws IOException {
        bitmap.close();
    }

    @Test
    void aResyncRestartedOnTheRefusedConnectionCopiesNothingAndTheRefusedRecordsStayDirtyUntilAcknowledged()
            throws Exception {
        group.replicationLost("the gateway sender went to bitmap mode (GATEWAY_REFUSED)"); // seqs 1-3 refused

        ConsistencyGroup.ResyncStart start = restartAt(4); // the sender's own next
        assertThat(start.disks()).as("nothing pinned: nothing to copy").isEmpty();
        group.endResync("nothing to copy");
        assertThat(group.mode()).isEqualTo(ReplicationMode.STREAMING);
        assertThat(sink.records()).extracting(CapturingSink.Captured::kind).doesNotContain(RecordKind.SYNC_BEGIN);

        tracker.sweep();
        tracker.sweep();
        tracker.sweep(); // the activity log's extent cools after a period without writes, its other regions after one more
        assertThat(bitmap.snapshot()).as("held by records the gateway has not acknowledged").isEqualTo(bits(1, 2, 3));

        group.acknowledge(3); // sent again on the next connection, journaled at last
        tracker.sweep();
        tracker.sweep();
        assertThat(bitmap.dirtyCount()).isZero();
    }

    @Test
    void aResyncRestartedAtTheJournalsResumePointCopiesTheRegionsOfTheRefusedRecords() throws Exception {
        group.acknowledge(1); // journaled; 2 and 3 refused
        group.replicationLost("the gateway sender went to bitmap mode (GATEWAY_REFUSED)");

        ConsistencyGroup.ResyncStart start = restartAt(2); // after a new handshake
        assertThat(start.disks()).singleElement().satisfies(d -> {
            assertThat(d.regions()).isEqualTo(bits(2, 3));
            assertThat(d.syncBeginSeq()).isEqualTo(2);
        });
        assertThat(sink.records().getLast().kind()).isEqualTo(RecordKind.SYNC_BEGIN);
    }

    @Test
    void theDrainHoldsNewWritesBeforeTheirSeqAndEndsWithTheHandOffOfTheLastWriteInFlight() throws Exception {
        group.acknowledge(3);
        ConsistencyGroup.OrderedWrite inFlight = group.begin(0, RecordKind.DATA, 4L * REGION, 4096, false);
        inFlight.markDirty();
        group.replicationLost("the gateway sender went to bitmap mode (CONNECTION_LOST)"); // seq 4 not streamed

        assertThat(group.beginDrain()).isTrue();
        assertThat(group.beginDrain()).as("one drain at a time").isFalse();
        assertThat(group.drained()).as("seq 4 is still being written").isFalse();
        assertThatThrownBy(() -> group.finishDrain(() -> 4)).isInstanceOf(IllegalStateException.class);
        AtomicLong laterSeq = new AtomicLong();
        Thread later = Thread.ofPlatform().start(() -> {
            ConsistencyGroup.OrderedWrite w = group.begin(0, RecordKind.DATA, 5L * REGION, 4096, false);
            laterSeq.set(w.seq());
            w.complete(true, Unpooled.wrappedBuffer(new byte[4096]));
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> later.getState() == Thread.State.WAITING);
        assertThat(group.lastSeq()).as("the later write waits before it takes a seq").isEqualTo(4);

        inFlight.complete(true, Unpooled.wrappedBuffer(new byte[4096])); // handed off: kept dirty, not streamed
        assertThat(group.drained()).isTrue();
        ConsistencyGroup.ResyncStart start = group.finishDrain(() -> 4); // the gateway holds up to 3
        later.join(Duration.ofSeconds(10));

        assertThat(start.disks()).singleElement().satisfies(d -> {
            assertThat(d.regions()).isEqualTo(bits(4));
            assertThat(d.syncBeginSeq()).isEqualTo(4);
        });
        assertThat(laterSeq.get()).as("after the SYNC_BEGIN").isEqualTo(5);
        assertThat(group.mode()).isEqualTo(ReplicationMode.RESYNCING);
        assertThat(sink.records()).extracting(CapturingSink.Captured::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void aCancelledDrainLetsTheWaitingWritesGoOnInBitmapMode() throws Exception {
        group.replicationLost("the gateway sender went to bitmap mode (CONNECTION_LOST)");
        assertThat(group.beginDrain()).isTrue();
        group.cancelDrain();
        group.cancelDrain();

        ConsistencyGroup.OrderedWrite w = group.begin(0, RecordKind.DATA, 5L * REGION, 4096, false);
        assertThat(w.seq()).isEqualTo(4);
        w.complete(true, Unpooled.wrappedBuffer(new byte[4096]));
        assertThat(group.drained()).as("no drain under way").isFalse();
        assertThat(group.mode()).isEqualTo(ReplicationMode.BITMAP);
    }

    /** The stream owner's drain, with nothing in flight: over as soon as it begins. */
    @Test
    void noReaderSeesTheLastSeqOfAReBaseHalfDone() throws Exception {
        group.replicationLost("the gateway refused seqs 2 and 3"); // seqs 1-3 given out; the gateway holds seq 1
        assertThat(group.beginDrain()).isTrue();
        CompletableFuture<Long> read = new CompletableFuture<>();
        Thread reader = Thread.ofPlatform().unstarted(() -> read.complete(group.lastSeq()));

        ConsistencyGroup.ResyncStart start = group.finishDrain(() -> {
            // The re-base comes right after this, under the group's lock: a reader must wait for all of it.
            reader.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> read.isDone()
                    || reader.getState() == Thread.State.BLOCKED);
            return 2;
        });

        assertThat(start.disks()).hasSize(1);
        assertThat(read.get(30, TimeUnit.SECONDS)).as("the SYNC_BEGIN's seq, not the resume point nor the old seq")
                .isEqualTo(start.disks().getFirst().syncBeginSeq()).isEqualTo(2);
    }

    private ConsistencyGroup.ResyncStart restartAt(long next) {
        assertThat(group.beginDrain()).isTrue();
        assertThat(group.drained()).isTrue();
        return group.finishDrain(() -> next);
    }

    private static BitSet bits(int... regions) {
        BitSet bits = new BitSet();
        for (int r : regions) {
            bits.set(r);
        }
        return bits;
    }
}
