package io.datamover.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.disk.SparseFile;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.ResyncRegions;
import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.sender.TestGatewayReceiver;
import io.datamover.tap.sender.TestGatewayReceiver.Received;
import io.datamover.tap.support.ReplicaReplay;
import io.datamover.tap.support.TestTaps;
import io.datamover.tap.support.Tools;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resync after bitmap mode, with the real gateway sender against a receiver on loopback that answers HELLO as a
 * gateway does (its resume point is what it acknowledged) and real NBD clients writing throughout: after an outage
 * the tap resyncs its dirty regions between SYNC_BEGIN and SYNC_END, gap-free from the gateway's resume point, and
 * the pre-outage replica with the stream applied equals the source (zeroed and discarded ranges included); also
 * after a restart of the tap with dirty bits, and after an outage in the middle of a resync. With a gateway that
 * forwards its target's applied seq (APPLIED_ACKS) the tap keeps a region's bit until the target applied its writes:
 * when another, empty gateway takes over (a new receiver id, nothing held), the tap resyncs only the regions the
 * target had not applied, and what the target had applied followed by the new gateway's stream is the source; the
 * same when the tap itself restarts during the takeover.
 */
class ResyncTest {
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
    private long preOutage;

    @BeforeEach
    void start() throws Exception {
        Tools.assumeInstalled("qemu-io");
        receiver = TestGatewayReceiver.start();
        receiver.keepPayloads(true);
        receiver.resumeFromAcknowledged(true);
        SparseFile.create(dir.resolve("root.img"), DISK_BYTES).close();
        // Small chunks and a small pause threshold: the resync takes many steps, interleaved with the guests.
        config = configBuilder().build();
        tap = start(Duration.ofSeconds(10));
        awaitStreamingAndAcknowledged();
    }

    @AfterEach
    void stop() throws IOException {
        if (tap != null) {
            tap.close();
        }
        receiver.close();
    }

    @Test
    void afterAnOutageTheTapResyncsWhileGuestsWriteAndTheReplicaEqualsTheSource() throws Exception {
        beforeAndDuringAnOutage(new Random(1));

        // The gateway comes back, holding acks at first so the resync stalls after 1 MiB; a guest writes meanwhile.
        receiver.autoAck(false);
        receiver.restart();
        await().atMost(DEADLINE).until(() -> receiver.records().stream()
                .anyMatch(r -> r.seq() > preOutage && r.kind() == RecordKind.SYNC_BEGIN));
        Tools.Running guest = Tools.start(Tools.qemuIo(uri(), randomWrites(new Random(2), 400)));
        await().atMost(DEADLINE).until(() -> receiver.records().stream()
                .anyMatch(r -> r.seq() > preOutage && r.kind() == RecordKind.TRIM));
        long received = receiver.records().getLast().seq();
        receiver.ackDurable(CG, received); // before acks resume, so no later ack can overtake it
        await().atMost(DEADLINE).until(() -> tap.sender().durableSeq() == received);
        receiver.autoAck(true);
        Tools.Result result = guest.await(DEADLINE);
        assertThat(result.exitCode()).as(result.output()).isZero();
        awaitStreamingAndAcknowledged();

        List<Received> resync = assertResyncedFromTheResumePoint(1);
        long syncEnd = resync.stream().filter(r -> r.kind() == RecordKind.SYNC_END).findFirst().orElseThrow().seq();
        assertThat(resync.stream().filter(r -> r.seq() < syncEnd && r.kind() == RecordKind.TRIM).count())
                .as("guest writes streamed during the resync").isPositive();
        assertThat(resync).extracting(Received::kind).contains(RecordKind.ZERO, RecordKind.DATA);
        assertThat(registry.get("datamover.tap.resync.runs").tag("outcome", "completed").counter().count()).isOne();
        assertThat(registry.get("datamover.tap.resync.bytes.zeroed").counter().count()).isPositive();
        await().atMost(DEADLINE).until(() -> tap.tap().dirtyRegions("root").isEmpty());
    }

    @Test
    void aTapRestartedWithDirtyBitsResyncsOnceConnected() throws Exception {
        beforeAndDuringAnOutage(new Random(3));
        tap.close();
        tap = null;

        // Started while the gateway is still away: the tap serves in bitmap mode, its dirty bits from the last run.
        registry = new SimpleMeterRegistry();
        tap = start(Duration.ofMillis(100));
        assertThat(tap.tap().mode()).isEqualTo(ReplicationMode.BITMAP);
        assertThat(tap.tap().dirtyRegions("root").cardinality()).isGreaterThan(1);
        write("write -P 0x5c 30m 64k");

        receiver.restart();
        awaitStreamingAndAcknowledged();
        assertResyncedFromTheResumePoint(1);
    }

    @Test
    void anOutageDuringTheResyncKeepsEveryUnacknowledgedBitAndTheNextResyncCompletes() throws Exception {
        beforeAndDuringAnOutage(new Random(4));
        // Not every dirty region: the activity log's hot extents may cool meanwhile.
        BitSet mustStayDirty = tap.tap().regionsThatMustStayDirty("root");
        assertThat(mustStayDirty.cardinality()).as("the outage's writes are pinned for a resync").isGreaterThan(1);

        // The gateway comes back but acknowledges nothing: the resync stalls once 1 MiB is unacknowledged.
        receiver.autoAck(false);
        receiver.restart();
        await().atMost(DEADLINE).until(() -> receiver.records().stream()
                .filter(r -> r.seq() > preOutage && r.kind() == RecordKind.DATA).count() >= 8);
        assertThat(tap.tap().mode()).isEqualTo(ReplicationMode.RESYNCING);
        receiver.stop();
        await().atMost(DEADLINE).until(() -> tap.tap().mode() == ReplicationMode.BITMAP);
        BitSet dirty = tap.tap().dirtyRegions("root");
        BitSet missing = (BitSet) mustStayDirty.clone();
        missing.andNot(dirty);
        assertThat(missing.isEmpty()).as("regions no longer dirty though nothing was acknowledged: %s", missing).isTrue();

        receiver.autoAck(true);
        receiver.restart();
        awaitStreamingAndAcknowledged();
        assertThat(receiver.records().stream().filter(r -> r.kind() == RecordKind.SYNC_BEGIN && r.seq() > preOutage))
                .as("one SYNC_BEGIN per resync").hasSize(2);
        assertResyncedFromTheResumePoint(2);
    }

    @Test
    void aGatewayBackWithLessThanItAcknowledgedGetsEveryRegionResynced() throws Exception {
        // The gateway's data directory is copied here (the copy holds up to preOutage)...
        write("write -P 0x11 0 8m", "write -P 0x22 16m 8m");
        write(randomWrites(new Random(5), 100));
        awaitStreamingAndAcknowledged();
        preOutage = receiver.acknowledged();
        // ...the guest writes more, acknowledged DURABLE (their dirty bits cleared), and the gateway stops.
        write("write -P 0x33 4m 1m", "discard 16m 1m", "write -z 20m 64k");
        write(randomWrites(new Random(6), 100));
        awaitStreamingAndAcknowledged();
        assertThat(receiver.acknowledged()).isGreaterThan(preOutage);
        receiver.stop();
        await().atMost(DEADLINE).until(() -> !tap.sender().isConnected());

        // It comes back from the older copy: no record of the writes it acknowledged after preOutage.
        double resyncsBefore = completedResyncs();
        receiver.forgetAfter(preOutage);
        receiver.restart();
        await().atMost(DEADLINE).until(() -> completedResyncs() > resyncsBefore);
        awaitStreamingAndAcknowledged();
        assertThat(registry.get("datamover.sender.acknowledged.lost").counter().count()).isOne();
        List<Received> resync = assertResyncedFromTheResumePoint(1);
        assertThat(resync.stream().filter(r -> r.kind() == RecordKind.DATA || r.kind() == RecordKind.ZERO)
                .mapToLong(Received::length).sum()).as("every region of the disk, not only the dirty ones")
                .isGreaterThanOrEqualTo(DISK_BYTES);
    }

    @Test
    void aGatewayAskingForAResyncOfTheWholeDisksGetsEveryRegion() throws Exception {
        write("write -P 0x11 0 8m", "write -P 0x22 16m 8m");
        write(randomWrites(new Random(7), 100));
        awaitStreamingAndAcknowledged();
        preOutage = receiver.acknowledged();
        await().atMost(DEADLINE).until(() -> tap.tap().dirtyRegions("root").isEmpty());

        // The replica's data was discarded by an operator: the gateway tells the tap, which reconnects.
        double resyncsBefore = completedResyncs();
        receiver.sendError(ErrorCode.RESYNC_REQUIRED, "the replica's data was discarded");
        await().atMost(DEADLINE).until(() -> completedResyncs() > resyncsBefore);
        awaitStreamingAndAcknowledged();
        List<Received> resync = assertResyncedFromTheResumePoint(1, false);
        assertThat(resync.stream().filter(r -> r.kind() == RecordKind.DATA || r.kind() == RecordKind.ZERO)
                .mapToLong(Received::length).sum()).as("every region of the disk").isGreaterThanOrEqualTo(DISK_BYTES);
    }

    @Test
    void regionsTheGatewayAsksForSurviveACloseRightAfterAndAreResyncedAtTheNextStart() throws Exception {
        write("write -P 0x11 0 8m", "write -P 0x22 16m 8m");
        awaitStreamingAndAcknowledged();
        preOutage = receiver.acknowledged();
        await().atMost(DEADLINE).until(() -> tap.tap().dirtyRegions("root").isEmpty());

        // The gateway asks for two ranges and refuses the tap's next HELLO; the tap is closed as soon as it took the
        // request, before any resync.
        BitSet asked = new BitSet();
        asked.set((1 << 20) / REGION, (1 << 20) / REGION + 3);
        asked.set((20 << 20) / REGION);
        receiver.helloReply(TestGatewayReceiver.HelloReply.ERROR);
        receiver.send(ResyncRegions.of(CG, List.of(new ResyncRegions.Range(0, 1L << 20, 3 * REGION),
                new ResyncRegions.Range(0, 20L << 20, 1))));
        receiver.sendError(ErrorCode.RESYNC_REQUIRED, "the replica's data was discarded");
        await().atMost(DEADLINE).until(() -> tap.tap().dirtyRegions("root").intersects(asked));
        tap.close();
        tap = null;
        receiver.stop();
        receiver.helloReply(TestGatewayReceiver.HelloReply.ACCEPT);

        registry = new SimpleMeterRegistry();
        tap = start(Duration.ofMillis(100));
        BitSet missing = (BitSet) asked.clone();
        missing.andNot(tap.tap().dirtyRegions("root"));
        assertThat(missing.isEmpty()).as("asked regions not dirty after the restart: %s", missing).isTrue();

        receiver.restart();
        awaitStreamingAndAcknowledged();
        int lastBefore = receiver.records().stream().filter(r -> r.seq() == preOutage).findFirst().orElseThrow()
                .connection();
        List<Received> resync = assertResyncedFromTheResumePoint(
                receiver.records().getLast().connection() - lastBefore, false);
        for (int region = asked.nextSetBit(0); region >= 0; region = asked.nextSetBit(region + 1)) {
            long start = (long) region * REGION;
            assertThat(resync).as("region %d resynced", region).anyMatch(r -> r.kind() == RecordKind.DATA
                    && r.offset() < start + REGION && r.offset() + r.length() > start);
        }
    }

    @Test
    void afterJournalFullTheTapResyncsOnceTheGatewayTakesItAgain() throws Exception {
        write("write -P 0x11 0 8m");
        awaitStreamingAndAcknowledged();
        receiver.autoAck(false);
        write("write -P 0x66 8m 2m", "discard 1m 1m", "write -z 3m 64k"); // received, never journaled
        long last = tap.tap().lastSeq();
        await().atMost(DEADLINE).until(() -> receiver.records().getLast().seq() == last);
        preOutage = receiver.acknowledged();
        assertThat(preOutage).isLessThan(last);

        receiver.autoAck(true);
        receiver.sendError(ErrorCode.JOURNAL_FULL, "the test journal is full"); // the tap reconnects at once
        await().atMost(DEADLINE).until(() -> registry.find("datamover.tap.resync.runs").tag("outcome", "completed")
                .counter() != null);
        awaitStreamingAndAcknowledged();
        assertResyncedFromTheResumePoint(1);
    }

    @Test
    void aWindowFilledWhileConnectedResyncsOnTheSameConnectionRightAfterTheLastRecordSent() throws Exception {
        tap.close();
        tap = TestTaps.start(receiver, CG, config, Duration.ofSeconds(10), registry,
                sender -> sender.windowBytes(4 << 20));
        write("write -P 0x11 0 3m");
        awaitStreamingAndAcknowledged();

        receiver.reading(false); // a gateway that cannot keep up: the window fills, the connection stays
        write("write -P 0x77 8m 1m", "write -P 0x78 9m 1m", "write -P 0x79 10m 1m", "write -P 0x7a 11m 1m",
                "write -P 0x7b 12m 1m", "discard 0 1m", "write -z 2m 1m");
        assertThat(registry.get("datamover.tap.records.not.streamed").counter().count()).as("bitmap mode").isPositive();
        receiver.reading(true);
        await().atMost(DEADLINE).until(() -> registry.find("datamover.tap.resync.runs").tag("outcome", "completed")
                .counter() != null);
        awaitStreamingAndAcknowledged();

        assertThat(receiver.violations()).isEmpty();
        List<Received> records = receiver.records();
        assertThat(receiver.connectionCount()).as("the first tap's, then this one's, never lost").isEqualTo(2);
        assertThat(records).extracting(Received::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, tap.tap().lastSeq()).boxed().toList());
        long syncBegin = records.stream().filter(r -> r.kind() == RecordKind.SYNC_BEGIN).mapToLong(Received::seq).max()
                .orElseThrow();
        assertThat(records).filteredOn(r -> r.seq() > syncBegin).extracting(Received::kind)
                .contains(RecordKind.SYNC_END);
        Path replica = ReplicaReplay.replay(dir.resolve("replica.img"), DISK_BYTES, 0, records);
        assertThat(ReplicaReplay.sha256(replica)).isEqualTo(ReplicaReplay.sha256(dir.resolve("root.img")));
    }

    /**
     * A guest that writes far more than the stream can hold while the gateway has stopped reading its socket (handshaken,
     * the connection kept, its other end no longer reading): the tap goes to bitmap mode instead of making the guest
     * wait or holding the records, every structure that holds the stream stays within its bound throughout (the
     * sender's window in bytes, the group's unacknowledged records, the stream owner's queue), and once the gateway
     * reads again the stream owner resyncs and the replica equals the source.
     */
    @Test
    void aGuestOverflowingAStalledGatewayGoesToBitmapModeWithinEveryBoundAndResyncsOnceItReads() throws Exception {
        long windowBytes = 4 << 20;
        int windowRecords = 64;
        tap.close();
        config = configBuilder().replicationWindowRecords(windowRecords).build();
        tap = TestTaps.start(receiver, CG, config, Duration.ofSeconds(10), registry,
                sender -> sender.windowBytes(windowBytes));
        write("write -P 0x11 0 1m");
        awaitStreamingAndAcknowledged();

        receiver.reading(false);
        StreamBounds bounds = StreamBounds.sample(tap);
        List<String> guest = new ArrayList<>();
        for (int i = 0; i < 48; i++) { // 48 MiB of 1 MiB writes over a 32 MiB disk, 12 times the window
            guest.add("write -P 0x" + Integer.toHexString(0x20 + i) + " " + (i % 32) + "m 1m");
        }
        guest.addAll(Tools.randomWrites(new Random(8), 400, DISK_BYTES, 4096, 8));
        write(guest.toArray(String[]::new)); // returns: the guest never waited for the gateway
        bounds.stop();

        assertThat(tap.tap().mode()).as("still stalled: bitmap mode, or a resync that cannot get through")
                .isIn(ReplicationMode.BITMAP, ReplicationMode.RESYNCING);
        assertThat(registry.get("datamover.sender.refusals").tag("reason", "window_full").counter().count())
                .isPositive();
        assertThat(bounds.maxWindowBytes.get()).as("sender window").isPositive().isLessThanOrEqualTo(windowBytes);
        assertThat(bounds.maxUnacknowledged.get()).as("group's unacknowledged records").isPositive()
                .isLessThanOrEqualTo(windowRecords);
        assertThat(bounds.maxQueuedEvents.get()).as("stream owner's queue")
                .isLessThanOrEqualTo(StreamOwner.Event.values().length);

        receiver.reading(true);
        awaitStreamingAndAcknowledged();
        assertThat(completedResyncs()).isPositive();
        assertThat(receiver.violations()).isEmpty();
        List<Received> journal = ReplicaReplay.journal(receiver.records());
        assertThat(journal).extracting(Received::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, tap.sender().durableSeq()).boxed().toList());
        Path replica = ReplicaReplay.replay(dir.resolve("replica.img"), DISK_BYTES, 0, journal);
        assertThat(ReplicaReplay.sha256(replica)).isEqualTo(ReplicaReplay.sha256(dir.resolve("root.img")));
    }

    /** The largest values seen, sampled on another thread while the guest writes. */
    private static final class StreamBounds {
        final AtomicLong maxWindowBytes = new AtomicLong();
        final AtomicLong maxUnacknowledged = new AtomicLong();
        final AtomicLong maxQueuedEvents = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private Thread thread;

        static StreamBounds sample(ReplicatingTap tap) {
            StreamBounds bounds = new StreamBounds();
            bounds.thread = Thread.ofPlatform().name("stream-bounds-sampler").start(() -> {
                while (bounds.running.get()) {
                    bounds.maxWindowBytes.accumulateAndGet(tap.sender().windowBytesInUse(), Math::max);
                    bounds.maxUnacknowledged.accumulateAndGet(tap.tap().unacknowledgedRecords(), Math::max);
                    bounds.maxQueuedEvents.accumulateAndGet(tap.queuedStreamEvents(), Math::max);
                    LockSupport.parkNanos(50_000); // a sampler, not a wait: this only lowers its rate
                }
            });
            return bounds;
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    /** Acknowledged writes, then the gateway goes away and the guest zeroes, discards and overwrites meanwhile. */
    private void beforeAndDuringAnOutage(Random random) throws Exception {
        write("write -P 0x11 0 8m", "write -P 0x22 16m 8m", "write -P 0x33 31m 1m");
        write(randomWrites(random, 100));
        awaitStreamingAndAcknowledged();
        preOutage = receiver.acknowledged();
        assertThat(preOutage).isEqualTo(tap.tap().lastSeq());

        receiver.stop();
        await().atMost(DEADLINE).until(() -> tap.tap().mode() == ReplicationMode.BITMAP);
        write("discard 1m 2m", "write -z 16m 1m", "write -z 5m 64k", "write -P 0x44 4m 1m", "discard 24m 4m",
                "write -P 0x55 26m 128k", "write -z 31m 4k");
        write(randomWrites(random, 100));
        assertThat(tap.tap().mode()).isEqualTo(ReplicationMode.BITMAP);
    }

    /**
     * The gateway's journal continues gap-free after the pre-outage point with a SYNC_BEGIN of the disk, a SYNC_END
     * comes later, and the pre-outage replica (which differs from the source) with the rest applied equals the source.
     *
     * @return the journal's records after the pre-outage point
     */
    @Test
    void aTakeoverResyncsOnlyWhatTheTargetHadNotApplied() throws Exception {
        forwardingApplied();
        long applied = writeAppliedThenJournaledOnly();

        // The gateway dies with its journal; another gateway of the site takes over, holding nothing.
        receiver.stop();
        takeOverEmpty();

        assertResyncedOnlyTheUnapplied(applied);
        assertThat(registry.get("datamover.sender.acknowledged.lost").counter().count()).isOne();
    }

    @Test
    void aTapRestartedDuringATakeoverResyncsWhatTheTargetHadNotApplied() throws Exception {
        forwardingApplied();
        long applied = writeAppliedThenJournaledOnly();

        receiver.stop();
        await().atMost(DEADLINE).until(() -> !tap.sender().isConnected());
        tap.close(); // restarted while no gateway answers: its bits of what was not applied are on disk
        tap = null;
        takeOverEmpty();
        registry = new SimpleMeterRegistry();
        tap = start(Duration.ofSeconds(10));

        assertResyncedOnlyTheUnapplied(applied);
    }

    /**
     * From now on the gateway forwards its target's applied seq (APPLIED_ACKS): the tap keeps a region's bit until the
     * target applied its writes (docs/coordination.md). The tap starts again, so its first handshake agrees it.
     */
    private void forwardingApplied() throws Exception {
        tap.close();
        receiver.appliedAcks(true);
        registry = new SimpleMeterRegistry();
        tap = start(Duration.ofSeconds(10));
        awaitStreamingAndAcknowledged();
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
        await().atMost(DEADLINE).until(() -> !tap.tap().dirtyRegions("root").intersects(regionsOf(0, 8 << 20)));

        write("write -P 0x22 16m 1m");
        awaitStreamingAndAcknowledged();
        BitSet unapplied = regionsOf(16 << 20, 1 << 20);
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
                .forEach(r -> resynced.or(regionsOf(r.offset(), r.length())));
        assertThat(resynced.intersects(regionsOf(0, 8 << 20))).as("applied regions resynced: %s", resynced).isFalse();
        BitSet unapplied = regionsOf(16 << 20, 1 << 20);
        BitSet covered = (BitSet) unapplied.clone();
        covered.and(resynced);
        assertThat(covered).as("every unapplied region resynced").isEqualTo(unapplied);

        List<Received> appliedRecords = ReplicaReplay.journal(received.stream().filter(r -> r.connection() < takeover)
                .toList()).stream().filter(r -> r.seq() <= applied).toList();
        Path replica = ReplicaReplay.replay(dir.resolve("replica.img"), DISK_BYTES, 0, appliedRecords);
        ReplicaReplay.apply(replica, 0, stream);
        assertThat(ReplicaReplay.sha256(replica)).isEqualTo(ReplicaReplay.sha256(dir.resolve("root.img")));
    }

    private static BitSet regionsOf(long offset, long length) {
        BitSet regions = new BitSet();
        regions.set((int) (offset / REGION), (int) ((offset + length - 1) / REGION) + 1);
        return regions;
    }

    private List<Received> assertResyncedFromTheResumePoint(int connectionsSinceOutage) throws IOException {
        return assertResyncedFromTheResumePoint(connectionsSinceOutage, true);
    }

    /** As above; {@code replicaBehind}: the pre-outage replica must differ from the source (the guest wrote since). */
    private List<Received> assertResyncedFromTheResumePoint(int connectionsSinceOutage, boolean replicaBehind)
            throws IOException {
        assertThat(receiver.violations()).isEmpty();
        List<Received> received = receiver.records();
        List<Received> journal = ReplicaReplay.journal(received);
        long last = tap.sender().durableSeq();
        assertThat(journal).extracting(Received::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, last).boxed().toList());
        assertThat(journal).allMatch(Received::crcMatches);
        List<Received> before = journal.stream().filter(r -> r.seq() <= preOutage).toList();
        List<Received> after = journal.stream().filter(r -> r.seq() > preOutage).toList();
        assertThat(after.getFirst().kind()).isEqualTo(RecordKind.SYNC_BEGIN);
        assertThat(after.getFirst().connection())
                .isEqualTo(received.getLast().connection())
                .isEqualTo(before.getLast().connection() + connectionsSinceOutage);
        assertThat(after).extracting(Received::kind).contains(RecordKind.SYNC_END);

        Path preOutageReplica = ReplicaReplay.replay(dir.resolve("pre-outage.img"), DISK_BYTES, 0, before);
        String source = ReplicaReplay.sha256(dir.resolve("root.img"));
        if (replicaBehind) {
            assertThat(ReplicaReplay.sha256(preOutageReplica)).as("the outage left the replica behind")
                    .isNotEqualTo(source);
        }
        Path replica = Files.copy(preOutageReplica, dir.resolve("replica.img"));
        ReplicaReplay.apply(replica, 0, after);
        assertThat(ReplicaReplay.sha256(replica)).isEqualTo(source);
        return after;
    }

    private TapConfig.Builder configBuilder() {
        return TapConfig.builder().port(0).stateDir(dir.resolve("state")).regionSizeBytes(REGION)
                .dirtyRetentionMillis(100).ioThreads(4).export("root", dir.resolve("root.img"))
                .initialSyncChunkBytes(64 << 10).initialSyncMaxUnacknowledgedBytes(1 << 20);
    }

    private double completedResyncs() {
        var counter = registry.find("datamover.tap.resync.runs").tag("outcome", "completed").counter();
        return counter == null ? 0 : counter.count();
    }

    private ReplicatingTap start(Duration connectWait) throws Exception {
        return TestTaps.start(receiver, CG, config, connectWait, registry);
    }

    private void awaitStreamingAndAcknowledged() {
        await().atMost(DEADLINE).until(() -> tap.tap().mode() == ReplicationMode.STREAMING
                && !tap.tap().initialSyncRunning() && tap.sender().durableSeq() == tap.tap().lastSeq());
    }

    private void write(String... commands) throws Exception {
        Tools.Result result = Tools.run(DEADLINE, Tools.qemuIo(uri(), commands));
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).doesNotContain("failed");
    }

    private String uri() {
        return "nbd://127.0.0.1:" + tap.tap().port() + "/root";
    }

    private static String[] randomWrites(Random random, int count) {
        return Tools.randomWrites(random, count, DISK_BYTES, 4096, 32).toArray(String[]::new);
    }
}
