package io.datamover.gateway.source.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.gateway.source.CgIdentity;
import io.datamover.gateway.source.GenerationLog;
import io.datamover.gateway.source.journal.Journal;
import io.datamover.gateway.source.journal.JournalConfig;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.Compression;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.Hello;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.WriteRecord;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipper against a test target on a real loopback socket, over a real Chronicle journal. */
class ShipperTest {
    private static final int CG = 7;
    private static final int BLOCK = 4096;
    private static final DiskInfo DISK = new DiskInfo(3, "vm-7-root", 1L << 30, BLOCK);
    private static final CgIdentity IDENTITY = new CgIdentity("pair-dc1-dc2", CG, "vm-7", List.of(DISK));
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InstantSource clock = InstantSource.system();
    /** The journal's owner thread, as the gateway's would be. */
    private final ExecutorService owner = Executors.newSingleThreadExecutor();
    private Journal journal;
    private TestTarget target;
    private Shipper shipper;

    @BeforeEach
    void openJournalAndTarget() throws Exception {
        journal = owner.submit(() -> Journal.open(JournalConfig.of(dir.resolve("journal"), 256L << 20), registry,
                clock)).get();
        target = TestTarget.start();
    }

    @AfterEach
    void closeAll() throws Exception {
        if (shipper != null) {
            shipper.close();
        }
        owner.submit(journal::close).get();
        owner.shutdown();
        target.close();
    }

    private ShipperConfig.Builder config() {
        return ShipperConfig.builder("127.0.0.1", target.port())
                .batch(20, 64 * 1024)
                .inFlight(4, 256 * 1024)
                .link(l -> l.withReconnect(20, 200, 0))
                .link(l -> l.withLiveness(200, 5_000))
                .idleCheckMs(500)
                .link(l -> l.withCloseTimeoutMs(2_000));
    }

    private void startShipper(ShipperConfig config) {
        startShipper(config, ShippingGate.ALWAYS_OPEN);
    }

    private void startShipper(ShipperConfig config, ShippingGate gate) {
        GenerationLog generations;
        try {
            generations = GenerationLog.openAndStart(dir, IDENTITY.cgLabel(), journal.durableSeq());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        shipper = Shipper.start(config, "gw-src-1", IDENTITY, journal, generations,
                seq -> owner.execute(() -> journal.release(seq)), () -> { }, registry, clock, gate);
    }

    /** Appends the records on the journal's owner thread, syncs once and tells the shipper. */
    private void appendAndSync(List<WriteRecord> records) throws Exception {
        owner.submit(() -> {
            for (WriteRecord r : records) {
                try {
                    journal.append(r);
                } finally {
                    r.release();
                }
            }
            journal.sync();
            shipper.durableAdvanced();
            return null;
        }).get();
    }

    private long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant());
    }

    /** Random (incompressible) payload of a seq: each seq writes its own block. */
    private static byte[] randomPayload(long seq) {
        SplittableRandom random = new SplittableRandom(seq);
        byte[] bytes = new byte[512 + random.nextInt(BLOCK - 512)];
        random.nextBytes(bytes);
        return bytes;
    }

    private List<WriteRecord> distinctBlocks(long fromSeq, long toSeq) {
        long micros = nowMicros();
        return LongStream.rangeClosed(fromSeq, toSeq).mapToObj(seq -> new WriteRecord(CG, micros, false,
                BlockWrite.data(seq, DISK.id(), seq * BLOCK, Unpooled.wrappedBuffer(randomPayload(seq))))).toList();
    }

    private void assertHoldsDistinctBlocks(long lastSeq) {
        List<TestTarget.Entry> entries = target.entries();
        assertThat(entries).extracting(TestTarget.Entry::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, lastSeq).boxed().toList());
        for (TestTarget.Entry e : entries) {
            assertThat(e.offset()).isEqualTo(e.seq() * BLOCK);
            assertThat(e.payload()).as("payload of seq %d", e.seq()).isEqualTo(randomPayload(e.seq()));
        }
    }

    private void assertContiguous(List<TestTarget.Received> batches, long firstSeq) {
        long expected = firstSeq;
        for (TestTarget.Received b : batches) {
            assertThat(b.firstSeq()).as("batch after seq %d", expected - 1).isEqualTo(expected);
            expected = b.lastSeq() + 1;
        }
    }

    private double meter(String name) {
        return registry.get(name).tag("cg", Integer.toString(CG)).functionCounter().count();
    }

    /** A scrape may read the status gauges the moment they are registered: the shipper must be whole by then. */
    @Test
    void aScrapeWhileTheShipperIsCreatedReadsAWholeStatus() throws Exception {
        SimpleMeterRegistry scrapedAtOnce = new SimpleMeterRegistry() {
            @Override
            protected <T> Gauge newGauge(Meter.Id id, T obj, ToDoubleFunction<T> valueFunction) {
                valueFunction.applyAsDouble(obj); // the scrape, as the gauge appears
                return super.newGauge(id, obj, valueFunction);
            }
        };
        GenerationLog generations = GenerationLog.openAndStart(dir, IDENTITY.cgLabel(), journal.durableSeq());
        shipper = Shipper.start(config().build(), "gw-src-1", IDENTITY, journal, generations,
                seq -> owner.execute(() -> journal.release(seq)), () -> { }, scrapedAtOnce, clock);

        assertThat(scrapedAtOnce.get("datamover.pair.diverged").gauge().value()).isZero();
    }

    @Test
    void everyRecordArrivesOnceInOrderAndTheJournalIsReleasedBehindTheAcks() throws Exception {
        startShipper(config().build());
        for (int round = 0; round < 3; round++) {
            appendAndSync(distinctBlocks(round * 300L + 1, round * 300L + 300));
        }
        await().atMost(DEADLINE).until(() -> shipper.status().appliedSeq() == 900);
        await().atMost(DEADLINE).until(() -> journal.releasedSeq() == 900);

        assertHoldsDistinctBlocks(900);
        List<TestTarget.Received> batches = target.batches();
        assertContiguous(batches, 1);
        assertThat(batches.getLast().lastSeq()).isEqualTo(900);
        assertThat(batches.size()).as("64 KiB batches").isGreaterThan(10);
        assertThat(target.violations()).isEmpty();

        ShipperStatus status = shipper.status();
        assertThat(status.connected()).isTrue();
        assertThat(status.durableSeq()).isEqualTo(900);
        assertThat(status.shippedSeq()).isEqualTo(900);
        assertThat(status.lagRecords()).isZero();
        assertThat(status.lagBytes()).isZero();
        assertThat(status.rpoSeconds()).isZero();
        assertThat(status.batchesInFlight()).isZero();
        assertThat(status.recordsShipped()).isEqualTo(900);
        assertThat(status.coalescedRecords()).isZero();
        assertThat(meter("datamover.source.shipped.records")).isEqualTo(900);
        assertThat(meter("datamover.source.wire.bytes")).isGreaterThan(status.bodyBytesShipped());
        assertThat(registry.get("datamover.source.rpo.seconds").gauge().value()).isZero();
    }

    @Test
    void aGroupThisGatewayDoesNotLeadHoldsNoLinkAndEachTenureConnectsUnderItsEpoch() throws Exception {
        AtomicLong epoch = new AtomicLong(-1); // -1: not leading
        AtomicInteger asked = new AtomicInteger();
        startShipper(config().build(), () -> {
            asked.incrementAndGet();
            long e = epoch.get();
            return e < 0 ? OptionalLong.empty() : OptionalLong.of(e);
        });
        appendAndSync(distinctBlocks(1, 300));
        await().atMost(DEADLINE).until(() -> asked.get() >= 3); // the shipper looked three times
        assertThat(shipper.status().connected()).isFalse();
        assertThat(target.hellos()).as("a standby does not connect").isEmpty();
        assertThat(shipper.status().shippedSeq()).isZero();

        epoch.set(4);
        await().atMost(DEADLINE).until(() -> shipper.status().appliedSeq() == 300);
        assertHoldsDistinctBlocks(300);
        assertContiguous(target.batches(), 1);
        assertThat(target.hellos()).extracting(Hello::epoch).containsExactly(4L);

        epoch.set(-1); // demoted: the link closes
        await().atMost(DEADLINE).until(() -> !shipper.status().connected() && target.openConnections() == 0);
        appendAndSync(distinctBlocks(301, 310));
        epoch.set(6); // a new tenure connects again under its own epoch
        await().atMost(DEADLINE).until(() -> shipper.status().appliedSeq() == 310);
        assertThat(target.hellos()).extracting(Hello::epoch).containsExactly(4L, 6L);
        assertContiguous(target.batches(), 1);
    }

    @Test
    void aThrottledLinkHoldsTheNextBatchWithoutTakingTheTargetForStuckUntilTheLimitIsLifted() throws Exception {
        // One byte a second: the first batch takes the bucket deep into debt, the next waits for hours.
        LinkThrottle throttle = new LinkThrottle(RateSchedule.constant(1, "1"), -1);
        startShipper(config().throttle(throttle).link(l -> l.withAckTimeoutMs(1_000)).build());
        appendAndSync(distinctBlocks(1, 300));
        await().atMost(DEADLINE).until(() -> shipper.status().appliedSeq() > 0);
        long firstBatchSeq = shipper.status().appliedSeq();
        // Held over twice the ack timeout: still one batch, still connected, no ack timeout.
        await().during(Duration.ofMillis(2_500)).atMost(DEADLINE).until(() -> target.batches().size() == 1
                && shipper.status().connected());
        assertThat(firstBatchSeq).isLessThan(300);
        assertThat(registry.get("datamover.source.ack.timeouts").counter().count()).isZero();

        throttle.schedule(RateSchedule.UNLIMITED);
        await().atMost(DEADLINE).until(() -> shipper.status().appliedSeq() == 300);
        assertHoldsDistinctBlocks(300);
        assertContiguous(target.batches(), 1);
    }

    @Test
    void repeatedOverwritesOfTheSameBlocksInsideOneBatchAreShippedOnce() throws Exception {
        startShipper(config().batch(500, 4 << 20).inFlight(4, 16 << 20).build());
        long micros = nowMicros();
        Map<Long, byte[]> expected = new HashMap<>();
        List<WriteRecord> records = LongStream.rangeClosed(1, 400).mapToObj(seq -> {
            long offset = (seq % 4) * BLOCK;
            if (seq % 50 == 0) {
                expected.put(offset, new byte[BLOCK]);
                return new WriteRecord(CG, micros, false, BlockWrite.range(seq, DISK.id(), offset, BLOCK,
                        RecordKind.ZERO));
            }
            byte[] payload = new byte[BLOCK];
            Arrays.fill(payload, (byte) seq); // compressible
            expected.put(offset, payload);
            return new WriteRecord(CG, micros, false, BlockWrite.data(seq, DISK.id(), offset,
                    Unpooled.wrappedBuffer(payload)));
        }).toList();
        long appendedBodyBytes = records.stream().mapToLong(r -> r.write().encodedLength()).sum();
        appendAndSync(records);
        await().atMost(DEADLINE).until(() -> shipper.status().appliedSeq() == 400);

        Map<Long, byte[]> image = new HashMap<>();
        for (TestTarget.Entry e : target.entries()) {
            image.put(e.offset(), e.kind() == RecordKind.ZERO ? new byte[BLOCK] : e.payload());
        }
        assertThat(image).containsOnlyKeys(expected.keySet());
        expected.forEach((offset, bytes) -> assertThat(image.get(offset)).as("block at %d", offset).isEqualTo(bytes));
        assertThat(target.entries().size()).as("entries shipped for 400 writes to 4 blocks").isLessThan(40);
        assertThat(meter("datamover.source.coalesced.records")).isGreaterThan(360);
        assertThat(meter("datamover.source.coalesced.bytes")).isGreaterThan(0);
        ShipperStatus status = shipper.status();
        assertThat(status.bodyBytesShipped()).isLessThan(appendedBodyBytes / 10);
        assertThat(status.recordsShipped()).isEqualTo(400);
        assertThat(target.batches()).anyMatch(b -> b.compression() == Compression.LZ4);
        assertThat(status.compressionRatio()).isGreaterThan(2);
        assertContiguous(target.batches(), 1);
    }

    @Test
    void theJournalIsReleasedOnlyUpToWhatTheTargetApplied() throws Exception {
        target.appliedLimitSeq(300);
        startShipper(config().build());
        appendAndSync(distinctBlocks(1, 600));
        await().atMost(DEADLINE).until(() -> shipper.status().shippedSeq() == 600 && journal.releasedSeq() == 300);
        assertThat(journal.releasedSeq()).as("spooled at one target gateway is not applied to the replicas: another"
                + " target gateway of its site may resume from the applied seq").isEqualTo(300);

        target.appliedLimitSeq(Long.MAX_VALUE);
        appendAndSync(distinctBlocks(601, 700));
        await().atMost(DEADLINE).until(() -> journal.releasedSeq() == 700);
        assertHoldsDistinctBlocks(700);
    }

    @Test
    void aTargetRestartResumesAfterItsResumeSeqWithoutGapsOrDuplicates() throws Exception {
        target.ackLimitSeq(300);
        startShipper(config().inFlight(64, 16 << 20).build());
        List<WriteRecord> first = distinctBlocks(1, 600);
        long firstMicros = first.getFirst().timestampMicros();
        appendAndSync(first);
        await().atMost(DEADLINE).until(() -> target.heldSeq() == 600);
        await().atMost(DEADLINE).until(() -> journal.releasedSeq() == 300);
        ShipperStatus behind = shipper.status();
        assertThat(behind.shippedSeq()).isEqualTo(300);
        assertThat(behind.appliedSeq()).isEqualTo(300);
        assertThat(behind.lagRecords()).isEqualTo(300);
        assertThat(behind.lagBytes()).isGreaterThan(300L * 512);
        assertThat(behind.oldestUnappliedMicros()).isEqualTo(firstMicros);
        assertThat(behind.rpoSeconds()).isGreaterThan(0);
        assertThat(journal.releasedSeq()).as("nothing released past the ack").isEqualTo(300);

        // The target goes down having synced up to 450: what it received past that is lost.
        target.stop();
        await().atMost(DEADLINE).until(() -> !shipper.status().connected());
        target.ackLimitSeq(Long.MAX_VALUE);
        appendAndSync(distinctBlocks(601, 800));
        int resumed = target.batches().size();
        target.restart(450);

        await().atMost(DEADLINE).until(() -> shipper.status().appliedSeq() == 800);
        await().atMost(DEADLINE).until(() -> journal.releasedSeq() == 800);
        assertHoldsDistinctBlocks(800);
        List<TestTarget.Received> batches = target.batches();
        assertThat(batches.get(resumed).firstSeq()).as("first batch after the restart").isEqualTo(451);
        assertContiguous(batches.subList(resumed, batches.size()), 451);
        assertThat(target.violations()).isEmpty();
        assertThat(shipper.status().lagRecords()).isZero();
    }

    private long unacknowledgedBatches() {
        return target.batches().stream().filter(b -> b.lastSeq() > target.ackedSeq()).count();
    }

    @Test
    void theWindowBoundsBatchesInFlight() throws Exception {
        target.ackLimitSeq(100);
        startShipper(config().inFlight(3, 1 << 20).build());
        appendAndSync(distinctBlocks(1, 600));
        await().atMost(DEADLINE).until(() -> unacknowledgedBatches() == 3 && shipper.status().batchesInFlight() == 3);
        long held = target.heldSeq();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> target.heldSeq() == held && shipper.status().batchesInFlight() == 3);
        assertThat(unacknowledgedBatches()).isEqualTo(3);
        assertThat(shipper.status().bytesInFlight()).isPositive();

        target.ackLimitSeq(Long.MAX_VALUE);
        target.stop();
        target.restart(held);
        await().atMost(DEADLINE).until(() -> shipper.status().appliedSeq() == 600);
        assertHoldsDistinctBlocks(600);
    }

    @Test
    void anIdleConnectionIsKeptByHeartbeatsAndCloseTakesItDown() throws Exception {
        startShipper(config().link(l -> l.withLiveness(50, 1_000)).build());
        appendAndSync(distinctBlocks(1, 10));
        await().atMost(DEADLINE).until(() -> shipper.status().appliedSeq() == 10);
        int hellos = target.helloNanos().size();
        int heartbeats = target.heartbeats();
        // The target only answers heartbeats: without them the read-idle timeout would close the link.
        await().during(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(5))
                .until(() -> shipper.status().connected() && target.helloNanos().size() == hellos);
        assertThat(target.heartbeats() - heartbeats).isGreaterThanOrEqualTo(10);

        shipper.close();
        await().atMost(DEADLINE).until(() -> target.openConnections() == 0);
        assertThat(registry.find("datamover.source.rpo.seconds").gauge()).isNull();
        shipper = null;
    }

    @Test
    void aTargetWhoseFrameHeaderIsDamagedInsideTheBoundIsTakenForDeadAfterTheReadTimeout() throws Exception {
        startShipper(config().link(l -> l.withLiveness(50, 1_000)).build());
        appendAndSync(distinctBlocks(1, 10));
        await().atMost(DEADLINE).until(() -> shipper.status().appliedSeq() == 10);
        int hellos = target.helloNanos().size();
        // The next ack's length field damaged: the heartbeats the target keeps answering read as its payload,
        // bytes keep arriving but no whole frame does. The shipper must take the target for dead, not wait.
        target.damageNextAck();
        appendAndSync(distinctBlocks(11, 20));
        await().atMost(Duration.ofSeconds(5)).until(() -> target.helloNanos().size() > hellos);
        appendAndSync(distinctBlocks(21, 30));
        await().atMost(DEADLINE).until(() -> shipper.status().appliedSeq() == 30);
        assertHoldsDistinctBlocks(30);
    }

    @Test
    void aTargetThatHeartbeatsButNeverAcknowledgesIsLeftAfterTheAckTimeoutAndGetsTheBatchAgain() throws Exception {
        long ackTimeoutMs = 2_000;
        // The first connection swallows batches but answers heartbeats, as a target stuck in a frame whose length
        // was damaged on the wire: the read timeout (500 ms) never fires, only the ack timeout can end it.
        target.stallConnections(1);
        startShipper(config().link(l -> l.withLiveness(50, 500)).link(l -> l.withAckTimeoutMs(ackTimeoutMs)).build());
        await().atMost(DEADLINE).until(() -> shipper.status().connected());
        appendAndSync(distinctBlocks(1, 10));
        await().atMost(DEADLINE).until(() -> !target.swallowedNanos().isEmpty());
        long swallowedAt = target.swallowedNanos().getFirst();

        await().during(Duration.ofMillis(1_000)).atMost(Duration.ofMillis(1_400))
                .until(() -> target.helloNanos().size() == 1 && shipper.status().batchesInFlight() > 0);
        await().atMost(Duration.ofMillis(ackTimeoutMs + 2_000)).pollInterval(Duration.ofMillis(10))
                .until(() -> target.helloNanos().size() == 2);
        long leftAfterMs = TimeUnit.NANOSECONDS.toMillis(target.helloNanos().get(1) - swallowedAt);
        assertThat(leftAfterMs).isBetween(ackTimeoutMs, ackTimeoutMs + 1_500);
        assertThat(registry.get("datamover.source.ack.timeouts").counter().count()).isEqualTo(1);

        // The new connection gets the batch again; the journal is released behind its ack.
        await().atMost(DEADLINE).until(() -> shipper.status().appliedSeq() == 10 && journal.releasedSeq() == 10);
        assertHoldsDistinctBlocks(10);
        assertThat(target.helloNanos()).hasSize(2);
    }

    @Test
    void aTargetThatLostAcknowledgedBatchesIsToldOfTheGapInsteadOfBeingFedOne() throws Exception {
        startShipper(config().link(l -> l.withReconnect(50, 400, 0)).build());
        appendAndSync(distinctBlocks(1, 300));
        await().atMost(DEADLINE).until(() -> journal.releasedSeq() == 300);
        int batchesBefore = target.batches().size();

        target.stop();
        target.restart(200); // acknowledged 300 durable, comes back holding 200
        appendAndSync(distinctBlocks(301, 320));
        await().atMost(DEADLINE).until(() -> target.errorsReceived().size() >= 2);
        assertThat(target.errorsReceived()).allMatch(e -> e.code() == ErrorCode.SEQ_GAP);
        assertThat(target.batches()).hasSize(batchesBefore);
        assertThat(target.heldSeq()).isEqualTo(200);
        assertThat(target.violations()).isEmpty();
        assertThat(registry.get("datamover.source.ship.gaps").counter().count()).isGreaterThanOrEqualTo(2);
        assertThat(journal.releasedSeq()).isEqualTo(300);
    }

    @Test
    void aTargetClaimingMoreThanTheJournalHoldsIsRefusedAsDivergedNotResumed() throws Exception {
        startShipper(config().link(l -> l.withReconnect(50, 400, 0)).build());
        appendAndSync(distinctBlocks(1, 14));
        await().atMost(DEADLINE).until(() -> shipper.status().appliedSeq() == 14);
        int batchesBefore = target.batches().size();

        // The attack of issue 15: with the source away, a stranger wrote seq 15 into the replica.
        target.stop();
        target.strangerWroteThrough(15);
        target.restart(Long.MAX_VALUE);
        await().atMost(DEADLINE).until(() -> target.errorsReceived().size() >= 2);
        assertThat(target.errorsReceived()).allMatch(e -> e.code() == ErrorCode.DIVERGED);
        assertThat(target.errorsReceived().getFirst().message()).contains("holding seq 15").contains("seq 14");
        assertThat(shipper.status().diverged()).isTrue();
        assertThat(shipper.status().generationRefusal()).startsWith("DIVERGED");
        assertThat(registry.get("datamover.pair.diverged").tag("cg", Integer.toString(CG)).gauge().value())
                .isEqualTo(1);
        assertThat(target.batches()).as("nothing shipped, nothing resumed after seq 15").hasSize(batchesBefore);
        // The generation the target had accepted ended at the journal's seq 14: the refusal stays, whatever the
        // journal takes next.
        await().atMost(DEADLINE).until(() -> target.hellos().getLast().generations().earlier().getFirst()
                .endSeq() == 14);
        List<Hello> hellos = target.hellos();
        assertThat(hellos.getLast().generations().current()).isNotEqualTo(hellos.getFirst().generations().current());
    }

    @Test
    void aTargetAnsweringWrongPairIsRetriedWithAGrowingBackoff() {
        target.refuseWrongPair(true);
        startShipper(config().link(l -> l.withReconnect(50, 400, 0)).build());
        await().atMost(DEADLINE).until(() -> target.helloNanos().size() >= 5);
        List<Long> hellos = target.helloNanos();
        long[] expectedMinGapsMs = {50, 100, 200, 400};
        for (int i = 0; i < expectedMinGapsMs.length; i++) {
            long gapMs = TimeUnit.NANOSECONDS.toMillis(hellos.get(i + 1) - hellos.get(i));
            assertThat(gapMs).as("wait before attempt %d", i + 2).isGreaterThanOrEqualTo(expectedMinGapsMs[i] - 5);
        }
        assertThat(registry.get("datamover.source.ship.errors").tag("code", ErrorCode.WRONG_PAIR.name())
                .tag("origin", "peer").counter().count()).isGreaterThanOrEqualTo(4);
        assertThat(shipper.status().connected()).isFalse();
        assertThat(target.batches()).isEmpty();
    }
}
