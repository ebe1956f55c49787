package io.datamover.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.disk.SparseFile;
import io.datamover.protocol.RecordKind;
import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.sender.TestGatewayReceiver;
import io.datamover.tap.sender.TestGatewayReceiver.Received;
import io.datamover.tap.support.ReplicaReplay;
import io.datamover.tap.support.TestTaps;
import io.datamover.tap.support.Tools;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tap keeps a region's dirty bit until the gateway's target has applied its writes (APPLIED_ACKS,
 * docs/coordination.md): the gateway is lost with its journal and another one, empty, takes over (a new receiver id
 * and nothing held); the tap resyncs only the regions the target had not applied, and what the target had applied
 * followed by the new gateway's stream is the source. The same when the tap itself restarts during the takeover.
 * Real NBD clients write; the receiver on loopback answers as a gateway does and sends the APPLIED acks the test
 * decides.
 */
class TakeoverResyncTest {
    private static final long DISK_BYTES = 32L << 20;
    private static final int REGION = 64 << 10;
    private static final int CG = 1;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private TestGatewayReceiver receiver;
    private ReplicatingTap tap;
    private SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TapConfig config;

    @BeforeEach
    void start() throws Exception {
        Tools.assumeInstalled("qemu-io");
        receiver = TestGatewayReceiver.start();
        receiver.keepPayloads(true);
        receiver.resumeFromAcknowledged(true);
        receiver.appliedAcks(true);
        SparseFile.create(dir.resolve("root.img"), DISK_BYTES).close();
        config = TapConfig.builder().port(0).stateDir(dir.resolve("state")).regionSizeBytes(REGION)
                .dirtyRetentionMillis(100).ioThreads(4).export("root", dir.resolve("root.img")).build();
        tap = startTap();
        awaitStreamingAndAcknowledged();
    }

    @AfterEach
    void stop() throws Exception {
        if (tap != null) {
            tap.close();
        }
        receiver.close();
    }

    @Test
    void aTakeoverResyncsOnlyWhatTheTargetHadNotApplied() throws Exception {
        long applied = writeAppliedThenJournaledOnly();

        // The gateway dies with its journal; another gateway of the site takes over, holding nothing.
        receiver.stop();
        takeOverEmpty();

        assertResyncedOnlyTheUnapplied(applied);
        assertThat(registry.get("datamover.sender.acknowledged.lost").counter().count()).isOne();
    }

    @Test
    void aTapRestartedDuringATakeoverResyncsWhatTheTargetHadNotApplied() throws Exception {
        long applied = writeAppliedThenJournaledOnly();

        receiver.stop();
        await().atMost(DEADLINE).until(() -> !tap.sender().isConnected());
        tap.close(); // restarted while no gateway answers: its bits of what was not applied are on disk
        tap = null;
        takeOverEmpty();
        registry = new SimpleMeterRegistry();
        tap = startTap();

        assertResyncedOnlyTheUnapplied(applied);
    }

    /**
     * Writes 8 MiB that the target applies (their bits clear), then 1 MiB at 16 MiB that the gateway journals and
     * acknowledges DURABLE but its target does not apply (their bits must stay). Returns the seq applied.
     */
    private long writeAppliedThenJournaledOnly() throws Exception {
        write("write -P 0x11 0 8m");
        awaitStreamingAndAcknowledged();
        long applied = receiver.acknowledged();
        receiver.ackApplied(CG, applied);
        await().atMost(DEADLINE).until(() -> !tap.tap().dirtyRegions("root").intersects(regions(0, 8 << 20)));

        write("write -P 0x22 16m 1m");
        awaitStreamingAndAcknowledged();
        BitSet unapplied = regions(16 << 20, 1 << 20);
        BitSet held = tap.tap().regionsThatMustStayDirty("root");
        held.and(unapplied);
        assertThat(held).as("acknowledged DURABLE, not applied: their bits stay").isEqualTo(unapplied);
        return applied;
    }

    /** The receiver comes back as another gateway with an empty journal: a takeover in the site's gateway group. */
    private void takeOverEmpty() throws InterruptedException {
        receiver.receiverId("new-leader");
        receiver.forgetAfter(0);
        receiver.restart();
    }

    /**
     * The new gateway's stream is a resync of the unapplied regions only (none of the applied 8 MiB), and the target's
     * image (the records it applied) with that stream applied is the source.
     */
    private void assertResyncedOnlyTheUnapplied(long applied) throws Exception {
        await().atMost(DEADLINE).until(() -> receiver.records().stream().anyMatch(r -> r.kind() == RecordKind.SYNC_END
                && r.connection() == receiver.records().getLast().connection()));
        awaitStreamingAndAcknowledged();
        assertThat(receiver.violations()).isEmpty();
        List<Received> received = receiver.records();
        int takeover = received.getLast().connection();
        List<Received> stream = received.stream().filter(r -> r.connection() == takeover).toList();
        assertThat(stream.getFirst().seq()).as("the empty gateway's stream starts over").isEqualTo(1);
        assertThat(stream.getFirst().kind()).isEqualTo(RecordKind.SYNC_BEGIN);

        BitSet resynced = new BitSet();
        stream.stream().filter(r -> r.kind() == RecordKind.DATA || r.kind() == RecordKind.ZERO)
                .forEach(r -> resynced.or(regions(r.offset(), r.length())));
        assertThat(resynced.intersects(regions(0, 8 << 20))).as("applied regions resynced: %s", resynced).isFalse();
        BitSet unapplied = regions(16 << 20, 1 << 20);
        BitSet covered = (BitSet) unapplied.clone();
        covered.and(resynced);
        assertThat(covered).as("every unapplied region resynced").isEqualTo(unapplied);

        List<Received> appliedRecords = ReplicaReplay.journal(received.stream().filter(r -> r.connection() < takeover)
                .toList()).stream().filter(r -> r.seq() <= applied).toList();
        Path replica = ReplicaReplay.replay(dir.resolve("replica.img"), DISK_BYTES, 0, appliedRecords);
        ReplicaReplay.apply(replica, 0, stream);
        assertThat(ReplicaReplay.sha256(replica)).isEqualTo(ReplicaReplay.sha256(dir.resolve("root.img")));
    }

    private static BitSet regions(long offset, long length) {
        BitSet regions = new BitSet();
        regions.set((int) (offset / REGION), (int) ((offset + length - 1) / REGION) + 1);
        return regions;
    }

    private ReplicatingTap startTap() throws Exception {
        return TestTaps.start(receiver, CG, config, Duration.ofSeconds(10), registry);
    }

    private void awaitStreamingAndAcknowledged() {
        await().atMost(DEADLINE).until(() -> tap.tap().mode() == ReplicationMode.STREAMING
                && !tap.tap().initialSyncRunning() && tap.sender().durableSeq() == tap.tap().lastSeq());
    }

    private void write(String... commands) throws Exception {
        Tools.Result result = Tools.run(DEADLINE, Tools.qemuIo("nbd://127.0.0.1:" + tap.tap().port() + "/root",
                commands));
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).doesNotContain("failed");
    }
}
