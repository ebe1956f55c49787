package io.datamover.gateway.source;

import static io.datamover.gateway.source.TestTap.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.gateway.source.journal.Journal;
import io.datamover.gateway.source.journal.JournalConfig;
import io.datamover.gateway.source.journal.JournalReader;
import io.datamover.gateway.source.ship.ShipperConfig;
import io.datamover.gateway.source.ship.TestTarget;
import io.datamover.protocol.Ack;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.FrameType;
import io.datamover.protocol.HostileFrames;
import io.datamover.protocol.Frame;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.Role;
import io.datamover.protocol.WriteRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The io receiver against a protocol-speaking tap on a real socket, with a real journal underneath. */
class SourceGatewayTest {
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dataDir;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private SourceGateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private SourceGatewayConfig.Builder config() {
        // No target here: the shippers keep trying port 1 with backoff, which the receiver does not notice.
        return SourceGatewayConfig.builder(new InetSocketAddress("127.0.0.1", 0), dataDir,
                ShipperConfig.builder("127.0.0.1", 1).build());
    }

    private void startGateway(SourceGatewayConfig config) throws Exception {
        startGateway(config, InstantSource.system());
    }

    private void startGateway(SourceGatewayConfig config, InstantSource clock) throws Exception {
        gateway = SourceGateway.start(config, registry, clock);
    }

    private TestTap connect(Hello hello, long expectedResumeSeq) throws Exception {
        TestTap tap = new TestTap(gateway.address());
        tap.send(hello);
        HelloAck ack = tap.next(HelloAck.class);
        assertThat(ack.role()).isEqualTo(Role.SOURCE_GATEWAY);
        assertThat(ack.resumeSeq()).isEqualTo(expectedResumeSeq);
        return tap;
    }

    /** Sends records {@code first..last} and waits until the gateway acknowledges the last as durable. */
    private static void sendAndAwaitDurable(TestTap tap, long first, long last) throws Exception {
        for (long seq = first; seq <= last; seq++) {
            tap.send(record(seq, 4096 + (int) (seq % 7) * 512));
        }
        long acked = 0;
        while (acked < last) {
            Ack ack = tap.next(Ack.class);
            assertThat(ack.scope()).isEqualTo(AckScope.DURABLE);
            assertThat(ack.seq()).isGreaterThan(acked).isLessThanOrEqualTo(last);
            acked = ack.seq();
        }
    }

    /** Reads the group's journal after the gateway closed it and checks it holds exactly {@code 1..last}. */
    private void assertJournalHolds(long last) throws Exception {
        JournalConfig journalConfig = JournalConfig.of(dataDir.resolve("cg-7").resolve("journal"), 1L << 30);
        try (Journal journal = Journal.open(journalConfig, new SimpleMeterRegistry(), InstantSource.system());
                JournalReader reader = journal.newReader()) {
            assertThat(journal.durableSeq()).isEqualTo(last);
            reader.seekTo(1);
            for (long seq = 1; seq <= last; seq++) {
                WriteRecord r = reader.next();
                assertThat(r).as("seq %d", seq).isNotNull();
                WriteRecord expected = record(seq, 4096 + (int) (seq % 7) * 512);
                try {
                    assertThat(r.seq()).isEqualTo(seq);
                    assertThat(ByteBufUtil.equals(r.write().payload(), expected.write().payload())).isTrue();
                    assertThat(r.write().offset()).isEqualTo(expected.write().offset());
                } finally {
                    r.release();
                    expected.release();
                }
            }
            assertThat(reader.next()).isNull();
        }
    }

    @Test
    void recordsAreJournaledThenAcknowledgedAndARestartedGatewayResumesAfterThem() throws Exception {
        startGateway(config().build());
        try (TestTap tap = connect(TestTap.hello("pair-a"), 0)) {
            sendAndAwaitDurable(tap, 1, 500);
        }
        gateway.close();
        gateway = null;
        assertJournalHolds(500);

        startGateway(config().build());
        try (TestTap tap = connect(TestTap.hello("pair-a"), 500)) {
            sendAndAwaitDurable(tap, 501, 520);
        }
        assertThat(registry.get("datamover.source.receiver.records").counter().count()).isEqualTo(520);
    }

    /**
     * The journal's owner thread stopped by an unexpected failure (here the retention mark made immutable, so a
     * release fails with EPERM): the tap is refused with STORAGE_FAILURE, never SHUTTING_DOWN, status says why, and
     * the group is closed and opened again on its own; once the cause is gone it takes the tap's records again.
     */
    @Test
    void aFailedJournalThreadIsReportedAndItsGroupReopensOnItsOwn() throws Exception {
        try (TestTarget target = TestTarget.start()) {
            startGateway(SourceGatewayConfig.builder(new InetSocketAddress("127.0.0.1", 0), dataDir,
                    ShipperConfig.builder("127.0.0.1", target.port()).build()).build());
            Path mark = dataDir.resolve("cg-7").resolve("journal").resolve("retention.mark");
            try (TestTap tap = connect(TestTap.hello("pair-a"), 0)) {
                sendAndAwaitDurable(tap, 1, 10);
                await().atMost(CLOSE_WAIT).until(() -> target.ackedSeq() >= 10);
                Assumptions.assumeTrue(chattr("+i", mark), "needs root and a file system with chattr +i");
                try {
                    for (long seq = 11; seq <= 20; seq++) {
                        tap.sendWithoutWaiting(record(seq, 4096)); // the refusal may close the connection meanwhile
                    }
                    assertThat(nextError(tap).code()).isEqualTo(ErrorCode.STORAGE_FAILURE);
                    await().atMost(CLOSE_WAIT).until(() -> String.valueOf(journalError()).contains(
                            "the journal's owner thread failed"));
                } finally {
                    chattr("-i", mark);
                }
            }
            await().atMost(CLOSE_WAIT).until(() -> journalError() == null);
            long resume = gateway.consistencyGroup(TestTap.CG).orElseThrow().shipping().durableSeq();
            assertThat(resume).as("what was durable before the failure").isBetween(10L, 20L);
            try (TestTap tap = connect(TestTap.hello("pair-a"), resume)) {
                sendAndAwaitDurable(tap, resume + 1, resume + 10);
            }
            await().atMost(CLOSE_WAIT).until(() -> target.ackedSeq() >= resume + 10);
        }
    }

    @Test
    void aTapOfferingAppliedAcksIsToldWhatTheTargetAppliedNeverMoreThanItWasAcknowledgedDurable() throws Exception {
        try (TestTarget target = TestTarget.start()) {
            startGateway(SourceGatewayConfig.builder(new InetSocketAddress("127.0.0.1", 0), dataDir,
                    ShipperConfig.builder("127.0.0.1", target.port()).build()).build());
            try (TestTap tap = connect(TestTap.helloOfferingAppliedAcks("pair-a"), 0)) {
                for (long seq = 1; seq <= 10; seq++) {
                    tap.send(record(seq, 4096));
                }
                long durable = 0;
                long applied = 0;
                while (applied < 10) {
                    Ack ack = tap.next(Ack.class);
                    if (ack.scope() == AckScope.DURABLE) {
                        durable = Math.max(durable, ack.seq());
                    } else {
                        // Forwarded from the target's APPLIED acks: increasing, within what was sent; it may come just
                        // before the DURABLE ack of the same seq (two threads), never beyond what the journal holds.
                        assertThat(ack.seq()).isGreaterThan(applied).isLessThanOrEqualTo(10);
                        applied = ack.seq();
                    }
                }
                assertThat(target.ackedSeq()).isGreaterThanOrEqualTo(10);
            }
            // A tap that does not offer it gets DURABLE acks only, as before.
            try (TestTap tap = connect(TestTap.hello("pair-a"), 10)) {
                sendAndAwaitDurable(tap, 11, 12);
            }
        }
    }

    private String journalError() {
        return gateway.consistencyGroup(TestTap.CG).orElseThrow().journalError();
    }

    /** The next ERROR frame, skipping the acks before it. */
    private static ErrorFrame nextError(TestTap tap) throws InterruptedException {
        while (true) {
            Frame f = tap.next(Duration.ofSeconds(10));
            if (f instanceof ErrorFrame error) {
                return error;
            }
        }
    }

    private static boolean chattr(String flag, Path file) throws Exception {
        Process p = new ProcessBuilder("chattr", flag, file.toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    @Test
    void beforeItsHelloIsAcceptedATapCannotMakeTheGatewayBufferABigFrame() throws Exception {
        startGateway(config().build());
        try (TestTap tap = new TestTap(gateway.address())) {
            // Refused on the header's declared length, at once: not after 64 MiB arrive, nor at the read timeout.
            tap.sendRaw(HostileFrames.headerDeclaring(FrameType.HELLO, 64L << 20));
            ErrorFrame error = tap.next(ErrorFrame.class);
            assertThat(error.code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
            assertThat(error.message()).contains("limit is " + Hello.MAX_BODY_BYTES);
            assertThat(tap.awaitClosed(CLOSE_WAIT)).isTrue();
        }
        // After HELLO_ACK the streaming bound holds: a 1 MiB write is journaled.
        try (TestTap tap = connect(TestTap.hello("pair-a"), 0)) {
            tap.send(new WriteRecord(TestTap.CG, 1, false,
                    BlockWrite.data(1, TestTap.DISK.id(), 0, Unpooled.wrappedBuffer(new byte[1 << 20]))));
            assertThat(tap.next(Ack.class).seq()).isEqualTo(1);
        }
        assertThat(registry.counter("datamover.source.receiver.errors", "code", "FRAME_TOO_LARGE", "origin", "local")
                .count()).isEqualTo(1);
    }

    @Test
    void aHelloWithoutDisksIsRefusedAsMalformedAndNothingIsSaved() throws Exception {
        startGateway(config().build());
        try (TestTap tap = new TestTap(gateway.address())) {
            tap.sendRaw(HostileFrames.helloWithoutDisks(TestTap.hello("pair-a")));
            ErrorFrame error = tap.next(ErrorFrame.class);
            assertThat(error.code()).isEqualTo(ErrorCode.MALFORMED);
            assertThat(error.message()).contains("at least one disk");
            assertThat(tap.awaitClosed(CLOSE_WAIT)).isTrue();
        }
        assertThat(gateway.consistencyGroups()).isEmpty();
        try (Stream<Path> saved = Files.list(dataDir)) {
            assertThat(saved.filter(Files::isDirectory)).as("no group directory").isEmpty();
        }
    }

    @Test
    void pastMaxGroupsANewGroupIsRefusedAndTheGroupsHeldKeepJournaling() throws Exception {
        startGateway(config().maxGroups(1).build());
        try (TestTap first = connect(TestTap.hello("pair-a"), 0)) {
            sendAndAwaitDurable(first, 1, 10);
            Hello another = Hello.of(Role.TAP, "other-tap", "pair-a", TestTap.CG + 1, "vm2", List.of(TestTap.DISK));
            try (TestTap second = new TestTap(gateway.address())) {
                second.send(another);
                ErrorFrame error = second.next(ErrorFrame.class);
                assertThat(error.code()).isEqualTo(ErrorCode.TOO_MANY_GROUPS);
                assertThat(error.message()).contains("--max-groups");
                assertThat(second.awaitClosed(CLOSE_WAIT)).isTrue();
            }
            sendAndAwaitDurable(first, 11, 20);
        }
        assertThat(dataDir.resolve("cg-" + (TestTap.CG + 1))).doesNotExist();
        assertThat(gateway.consistencyGroups()).hasSize(1);
        assertThat(registry.counter("datamover.source.receiver.errors", "code", "TOO_MANY_GROUPS", "origin", "local")
                .count()).isEqualTo(1);
        // A returning group is not new: held groups are never refused.
        connect(TestTap.hello("pair-a"), 20).close();
    }

    @Test
    void aGapClosesTheConnectionAndNothingAfterItIsJournaled() throws Exception {
        startGateway(config().build());
        try (TestTap tap = connect(TestTap.hello("pair-a"), 0)) {
            sendAndAwaitDurable(tap, 1, 3);
            tap.send(record(5, 4096));
            assertThat(tap.next(ErrorFrame.class).code()).isEqualTo(ErrorCode.SEQ_GAP);
            assertThat(tap.awaitClosed(CLOSE_WAIT)).isTrue();
        }
        connect(TestTap.hello("pair-a"), 3).close();
    }

    @Test
    void aWriteOutsideTheDiskIsRefused() throws Exception {
        startGateway(config().build());
        try (TestTap tap = connect(TestTap.hello("pair-a"), 0)) {
            tap.send(new WriteRecord(TestTap.CG, 1, false, BlockWrite.data(1, 0, TestTap.DISK.sizeBytes() - 512,
                    Unpooled.wrappedBuffer(new byte[4096]))));
            assertThat(tap.next(ErrorFrame.class).code()).isEqualTo(ErrorCode.MALFORMED);
            assertThat(tap.awaitClosed(CLOSE_WAIT)).isTrue();
        }
        connect(TestTap.hello("pair-a"), 0).close();
    }

    @Test
    void aTapOfAnotherPairOrWithOtherDisksIsRefused() throws Exception {
        startGateway(config().pairId("pair-a").build());
        try (TestTap tap = new TestTap(gateway.address())) {
            tap.send(TestTap.hello("pair-b"));
            ErrorFrame error = tap.next(ErrorFrame.class);
            assertThat(error.code()).isEqualTo(ErrorCode.WRONG_PAIR);
            assertThat(error.message()).as("nothing about this side's pair").doesNotContain("pair-a");
            assertThat(tap.awaitClosed(CLOSE_WAIT)).isTrue();
        }
        connect(TestTap.hello("pair-a"), 0).close();
        Hello shrunkDisk = Hello.of(Role.TAP, "test-tap", "pair-a", TestTap.CG, "vm1",
                List.of(new DiskInfo(0, "disk0", 1 << 20, 4096)));
        try (TestTap tap = new TestTap(gateway.address())) {
            tap.send(shrunkDisk);
            ErrorFrame error = tap.next(ErrorFrame.class);
            assertThat(error.code()).isEqualTo(ErrorCode.WRONG_PAIR);
            assertThat(error.message()).contains("disk disk0 shrank from " + (2 << 20) + " to " + (1 << 20),
                    "shrinking a protected disk is refused");
        }
    }

    @Test
    void aTapWhoseDiskGrewIsTakenAndTheGroupKeepsTheLargerSizeDurably() throws Exception {
        startGateway(config().build());
        try (TestTap tap = connect(TestTap.hello("pair-a"), 0)) {
            sendAndAwaitDurable(tap, 1, 3);
        }
        DiskInfo grown = new DiskInfo(0, "disk0", 66 << 20, 4096);
        Hello grownHello = Hello.of(Role.TAP, "test-tap", "pair-a", TestTap.CG, "vm1", List.of(grown));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (TestTap tap = connect(grownHello, 3)) {
                tap.send(new WriteRecord(TestTap.CG, 4, false, BlockWrite.data(4, 0, 65L << 20,
                        Unpooled.wrappedBuffer(new byte[4096]))));
                assertThat(tap.next(Ack.class).seq()).as("a write past the old end, durable").isEqualTo(4);
            }
        });
        assertThat(CgIdentityFile.read(dataDir.resolve("cg-7")).orElseThrow().disks()).containsExactly(grown);
        gateway.close();
        startGateway(config().build());
        connect(grownHello, 4).close(); // the group reopens at the larger size: the same HELLO is no change
    }

    @Test
    void oneTapPerConsistencyGroup() throws Exception {
        startGateway(config().build());
        try (TestTap first = connect(TestTap.hello("pair-a"), 0); TestTap second = new TestTap(gateway.address())) {
            second.send(TestTap.hello("pair-a"));
            assertThat(second.next(ErrorFrame.class).code()).isEqualTo(ErrorCode.ALREADY_CONNECTED);
            sendAndAwaitDurable(first, 1, 2); // the first is undisturbed
        }
    }

    @Test
    void aFullJournalTellsTheTapToSwitchToBitmapModeAndKeepsWhatItAcknowledged() throws Exception {
        startGateway(config().journalMaxBytes(1 << 20).build());
        long lastAcked = 0;
        try (TestTap tap = connect(TestTap.hello("pair-a"), 0)) {
            for (long seq = 1; seq <= 40; seq++) { // 40 x 64 KiB cannot fit in 1 MiB
                tap.sendWithoutWaiting(record(seq, 64 * 1024)); // the refusal may close the socket mid-stream
            }
            while (true) {
                var frame = tap.next(Duration.ofSeconds(10));
                if (frame instanceof Ack ack) {
                    lastAcked = ack.seq();
                } else if (frame instanceof ErrorFrame error) {
                    assertThat(error.code()).isEqualTo(ErrorCode.JOURNAL_FULL);
                    break;
                }
            }
            assertThat(tap.awaitClosed(CLOSE_WAIT)).isTrue();
        }
        assertThat(lastAcked).isBetween(1L, 16L);
        assertThat(registry.get("datamover.journal.full.refusals").counter().count()).isGreaterThanOrEqualTo(1);
        // A returning tap learns what the journal holds: every acknowledged record, and nothing past the refusal.
        try (TestTap tap = new TestTap(gateway.address())) {
            tap.send(TestTap.hello("pair-a"));
            assertThat(tap.next(HelloAck.class).resumeSeq()).isGreaterThanOrEqualTo(lastAcked).isLessThan(40);
        }
    }

    @Test
    void whileTheTapIsAwayTheGroupsRpoIsAtLeastTheTimeSinceItLeft() throws Exception {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
        startGateway(config().build(), now::get);
        TestTap tap = connect(TestTap.hello("pair-a"), 0);
        await().atMost(CLOSE_WAIT).until(() -> gateway.consistencyGroup(TestTap.CG)
                .map(SourceGroupStatus::tapConnected).orElse(false));
        now.set(now.get().plusSeconds(600)); // nothing written: nothing to lose while the tap is attached
        assertThat(gateway.consistencyGroup(TestTap.CG).orElseThrow().rpoSeconds()).isZero();

        tap.close();
        await().atMost(CLOSE_WAIT).until(() -> !gateway.consistencyGroup(TestTap.CG).orElseThrow().tapConnected());
        now.set(now.get().plusSeconds(90)); // the guest may write meanwhile: its writes are only dirty bits
        SourceGroupStatus away = gateway.consistencyGroup(TestTap.CG).orElseThrow();
        assertThat(away.mode()).isEqualTo(SourceGroupStatus.Mode.DISCONNECTED);
        assertThat(away.rpoSeconds()).isBetween(90.0, 91.0);
        assertThat(away.shipping().rpoSeconds()).isZero();

        connect(TestTap.hello("pair-a"), 0).close();
    }

    @Test
    void aTapWhoseConnectionIsResetIsAnOutageNotAnError() throws Exception {
        startGateway(config().build());
        TestTap tap = connect(TestTap.hello("pair-a"), 0);
        sendAndAwaitDurable(tap, 1, 5);

        tap.reset();

        await().atMost(CLOSE_WAIT).until(() -> !gateway.consistencyGroup(TestTap.CG).orElseThrow().tapConnected());
        assertThat(gateway.consistencyGroup(TestTap.CG).orElseThrow().lastTapError()).isNull();
        assertThat(registry.find("datamover.source.receiver.errors").counters()).isEmpty();
        connect(TestTap.hello("pair-a"), 5).close(); // and the tap is welcome back where it left off
    }
}
