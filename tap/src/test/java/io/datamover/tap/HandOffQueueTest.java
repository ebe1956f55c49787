package io.datamover.tap;

import static io.datamover.tap.support.Tools.qemuIo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.support.CapturingSink.Captured;
import io.datamover.tap.support.TapTestBase;
import io.datamover.tap.support.Tools;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stream owner's queue (completed writes waiting to be handed to the sink in seq order) is bounded in bytes: a
 * guest that writes more than it holds while the owner does not hand off goes to bitmap mode, never waits and never
 * makes the queue grow, and every write the queue could not take stays dirty for a resync.
 */
class HandOffQueueTest extends TapTestBase {

    private static final long DISK_BYTES = 32L << 20;
    private static final int REGION = 64 << 10;
    private static final int WRITE = 1 << 20;
    private static final int QUEUE_BYTES = 4 * WRITE;
    private static final int WRITES = 16;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @BeforeEach
    void start() throws Exception {
        Tools.assumeInstalled("qemu-io");
        fixture.serve(fixture.config().maxRequestBytes(WRITE).maxPendingHandoffBytes(QUEUE_BYTES), DISK_BYTES,
                "disk0");
    }

    @Test
    void aGuestOverflowingAStalledOwnersQueueGoesToBitmapModeWithoutWaitingAndKeepsItsWritesDirty() throws Exception {
        // The new disk's initial sync (its markers) goes through the stream first.
        await().atMost(DEADLINE).until(() -> !fixture.tap.initialSyncRunning() && fixture.tap.allHandedOff());
        assertThat(fixture.tap.mode()).isEqualTo(ReplicationMode.STREAMING);
        fixture.tap.acknowledge(fixture.tap.config().consistencyGroupId(), fixture.tap.lastSeq());
        assertThat(fixture.tap.regionsThatMustStayDirty("disk0")).as("the initial sync is over")
                .isEqualTo(new BitSet());
        int markers = fixture.sink.records().size();
        AtomicInteger wakes = new AtomicInteger();
        fixture.tap.handOffBy(wakes::incrementAndGet); // an owner that is woken but hands off only when told here
        long firstSeq = fixture.tap.lastSeq() + 1;
        write(0);
        write(1);
        assertThat(wakes.get()).as("the owner is woken when the next write in seq order is ready").isPositive();
        assertThat(fixture.sink.records()).as("the I/O threads hand nothing off").hasSize(markers);
        assertThat(fixture.tap.pendingHandOffBytes()).isEqualTo(2L * WRITE);
        fixture.tap.handOffReady();
        assertThat(fixture.sink.writes()).extracting(Captured::seq).containsExactly(firstSeq, firstSeq + 1);
        assertThat(fixture.tap.pendingHandOffBytes()).isZero();

        long maxQueued = 0;
        for (int i = 2; i < 2 + WRITES; i++) { // four times what the queue holds; each write returns: no wait
            write(i);
            maxQueued = Math.max(maxQueued, fixture.tap.pendingHandOffBytes());
        }
        assertThat(fixture.tap.mode()).isEqualTo(ReplicationMode.BITMAP);
        assertThat(maxQueued).as("bytes waiting for the owner").isEqualTo(QUEUE_BYTES);
        assertThat(fixture.registry.get("datamover.tap.handoff.queue.overflows").counter().count())
                .isEqualTo(WRITES - QUEUE_BYTES / WRITE);

        fixture.tap.handOffReady(); // the owner catches up: the stream broke at the overflow, nothing more is sent
        assertThat(fixture.tap.allHandedOff()).isTrue();
        assertThat(fixture.tap.pendingHandOffBytes()).isZero();
        assertThat(fixture.sink.writes()).hasSize(2);
        assertThat(fixture.tap.lastSeq()).isEqualTo(firstSeq + 1 + WRITES);

        fixture.tap.acknowledge(fixture.tap.config().consistencyGroupId(), firstSeq + 1);
        BitSet notStreamed = new BitSet();
        notStreamed.set(2 * WRITE / REGION, (2 + WRITES) * WRITE / REGION);
        assertThat(fixture.tap.regionsThatMustStayDirty("disk0")).as("every write not streamed stays dirty")
                .isEqualTo(notStreamed);
        byte[] expected = new byte[(int) DISK_BYTES];
        for (int i = 0; i < 2 + WRITES; i++) {
            Arrays.fill(expected, i * WRITE, (i + 1) * WRITE, pattern(i));
        }
        assertThat(sha256(fixture.contents("disk0"))).as("every write is on the local disk")
                .isEqualTo(sha256(expected));
    }

    /** Writes the {@code index}-th MiB of the disk with its own pattern; returns only once the guest has its reply. */
    private void write(int index) throws Exception {
        write("write -P 0x" + HexFormat.of().toHexDigits(pattern(index)) + " " + index + "m 1m");
    }

    private static byte pattern(int index) {
        return (byte) (0x40 + index);
    }

    private void write(String command) throws Exception {
        Tools.Result result = Tools.run(DEADLINE, qemuIo(fixture.uri("disk0"), command));
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).doesNotContain("failed");
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
