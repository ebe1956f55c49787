package io.datamover.tap.sender;

import static io.datamover.tap.sender.SenderFixture.CG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.datamover.coordination.HighestEpoch;
import io.datamover.protocol.Ack;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Flush;
import io.datamover.tap.sender.SenderFixture.StreamBreak;
import io.datamover.tap.sender.TestGatewayReceiver.HelloReply;
import io.datamover.tap.sender.TestGatewayReceiver.Received;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GatewaySenderTest {
    private static final int RECORD_BYTES = 4096;

    private SenderFixture fx;

    @BeforeEach
    void setUp() throws InterruptedException {
        fx = new SenderFixture();
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    @Test
    void recordsOfferedFromSeveralThreadsArriveInSeqOrderWithTheirPayloadsAndAreAcked() throws Exception {
        GatewaySender sender = fx.startConnected(fx.config().build());
        int threads = 4;
        int perThread = 500;
        Object tapLock = new Object();
        long[] nextSeq = {1};
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> accepted = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                accepted.add(pool.submit(() -> {
                    int count = 0;
                    for (int i = 0; i < perThread; i++) {
                        // As the tap does: seq assignment and hand-off under one lock.
                        synchronized (tapLock) {
                            long seq = nextSeq[0]++;
                            count += sender.offer(fx.record(seq, RECORD_BYTES)) ? 1 : 0;
                        }
                    }
                    return count;
                }));
            }
            for (Future<Integer> f : accepted) {
                assertThat(f.get()).isEqualTo(perThread);
            }
        } finally {
            pool.shutdown();
        }
        long total = (long) threads * perThread;

        await().until(() -> fx.receiver.records().size() == total);
        List<Received> received = fx.receiver.records();
        assertThat(received).extracting(Received::seq).containsExactlyElementsOf(
                LongStream.rangeClosed(1, total).boxed().toList());
        assertThat(received).allSatisfy(r -> {
            assertThat(r.crcMatches()).isTrue();
            assertThat(r.payloadCrc()).isEqualTo(fx.crcBySeq.get(r.seq()));
            assertThat(r.connection()).isEqualTo(1);
        });
        await().untilAsserted(() -> {
            assertThat(fx.lastDurableAck()).isEqualTo(total);
            assertThat(sender.windowBytesInUse()).isZero();
        });
        assertThat(fx.durableAcks).isSorted();
        assertThat(sender.takesRecords()).isTrue();
        assertThat(fx.streamBreaks).isEmpty();
        assertThat(fx.counter("records.sent")).isEqualTo(total);
        assertThat(fx.counter("bytes.sent")).isGreaterThan(total * RECORD_BYTES);
        assertThat(fx.registry.get(SenderMetrics.PREFIX + "acked.seq").gauge().value()).isEqualTo(total);
    }

    @Test
    void aFullWindowRefusesWithoutBlockingAndTheSenderStaysInBitmapModeUntilResumed() {
        fx.receiver.autoAck(false);
        GatewaySender sender = fx.startConnected(fx.config().windowBytes(SenderConfig.MIN_WINDOW_BYTES).build());

        long seq = 1;
        while (sender.offer(fx.record(seq, RECORD_BYTES))) {
            seq++;
        }
        long firstRefused = seq;
        long sent = firstRefused - 1;
        assertThat(sent).isPositive();
        assertThat(sender.windowBytesInUse()).isLessThanOrEqualTo(SenderConfig.MIN_WINDOW_BYTES)
                .isGreaterThan(SenderConfig.MIN_WINDOW_BYTES - 2 * RECORD_BYTES);
        assertThat(sender.takesRecords()).isFalse();
        assertThat(fx.streamBreaks).containsExactly(new StreamBreak(BitmapReason.WINDOW_FULL,
                firstRefused));

        await().until(() -> fx.receiver.records().size() == sent);
        fx.receiver.ackDurable(CG, sent);
        await().until(() -> sender.windowBytesInUse() == 0 && fx.lastDurableAck() == sent);

        // Room again, but a record after a refused one would leave a gap at the gateway.
        assertThat(sender.offer(fx.record(firstRefused + 1, RECORD_BYTES))).isFalse();
        assertThat(fx.counter("refusals", "reason", "in_bitmap_mode")).isEqualTo(1);
        assertThat(fx.counter("refusals", "reason", "window_full")).isEqualTo(1);

        // The resync's hand-back: stream again from the first refused seq.
        assertThat(sender.resumeStreaming(firstRefused)).isTrue();
        assertThat(sender.takesRecords()).isTrue();
        assertThat(sender.offer(fx.record(firstRefused, RECORD_BYTES))).isTrue();
        await().until(() -> fx.receiver.records().size() == sent + 1);
        assertThat(fx.receiver.records().getLast().seq()).isEqualTo(firstRefused);
        assertThat(fx.receiver.violations()).isEmpty();
        assertThat(fx.streamBreaks).as("one break, told once").hasSize(1);
    }

    @Test
    void aGatewayThatStopsReadingFillsTheWindowBeforeBitmapMode() {
        GatewaySender sender = fx.startConnected(fx.config().windowBytes(4 << 20).build());
        fx.receiver.reading(false);
        long seq = 1;
        while (sender.offer(fx.record(seq, 256 << 10))) {
            seq++;
        }
        assertThat(fx.streamBreaks).containsExactly(new StreamBreak(BitmapReason.WINDOW_FULL, seq));
        assertThat(sender.windowBytesInUse()).isLessThanOrEqualTo(4 << 20).isGreaterThan(3 << 20);

        long sent = seq - 1;
        fx.receiver.reading(true);
        await().until(() -> fx.lastDurableAck() == sent && sender.windowBytesInUse() == 0);
    }

    @Test
    void resumeStreamingRefusesToReuseSeqsOrToResumeTwice() {
        GatewaySender sender = fx.startConnected(fx.config().build());
        assertThat(sender.offer(fx.record(1, RECORD_BYTES))).isTrue();
        assertThatThrownBy(() -> sender.resumeStreaming(2)).isInstanceOf(IllegalStateException.class);
        assertThat(sender.offer(fx.record(3, RECORD_BYTES))).isFalse(); // a gap: refused, not sent
        assertThat(fx.streamBreaks).containsExactly(new StreamBreak(BitmapReason.SEQ_OUT_OF_ORDER, 3));
        assertThatThrownBy(() -> sender.resumeStreaming(1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void offersBeforeTheHandshakeAreRefused() throws InterruptedException {
        fx.receiver.stop();
        GatewaySender sender = fx.start(fx.config().build());
        assertThat(sender.offer(fx.record(1, RECORD_BYTES))).isFalse();
        assertThat(fx.streamBreaks).containsExactly(new StreamBreak(BitmapReason.NOT_CONNECTED, 1));
        fx.receiver.restart();
        await().until(sender::isConnected);
        assertThat(sender.takesRecords()).isFalse();
        assertThat(sender.resumeStreaming(1)).isTrue();
        assertThat(sender.offer(fx.record(1, RECORD_BYTES))).isTrue();
        await().until(() -> fx.receiver.records().size() == 1);
    }

    @Test
    void anOutageShorterThanTheWindowIsRiddenThroughBySendingAgainAfterTheReconnect() throws InterruptedException {
        fx.receiver.autoAck(false);
        GatewaySender sender = fx.startConnected(fx.config().build());
        for (long seq = 1; seq <= 10; seq++) {
            assertThat(sender.offer(fx.record(seq, RECORD_BYTES))).isTrue();
        }
        await().until(() -> fx.receiver.records().size() == 10);

        fx.receiver.stop(); // records 1..10 were never acknowledged; the gateway kept up to 6
        await().until(() -> !sender.isConnected());
        for (long seq = 11; seq <= 20; seq++) {
            assertThat(sender.offer(fx.record(seq, RECORD_BYTES))).isTrue(); // held while reconnecting
        }
        await().until(() -> fx.counter("reconnects") >= 2); // it keeps trying while the gateway is away

        fx.receiver.autoAck(true);
        fx.receiver.resumeSeq(6);
        fx.receiver.restart();
        await().until(() -> fx.lastDurableAck() == 20);
        assertThat(sender.takesRecords()).isTrue();
        assertThat(fx.streamBreaks).isEmpty();
        assertThat(fx.receiver.records()).filteredOn(r -> r.connection() == 2).extracting(Received::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(7, 20).boxed().toList());
        assertThat(fx.receiver.violations()).isEmpty();
        assertThat(sender.windowBytesInUse()).isZero();
    }

    @Test
    void anOutageLongerThanTheWindowEndsInBitmapModeAndResumesOnlyThroughTheResync() throws InterruptedException {
        GatewaySender sender = fx.startConnected(fx.config().windowBytes(1 << 20).build());
        for (long seq = 1; seq <= 10; seq++) {
            assertThat(sender.offer(fx.record(seq, RECORD_BYTES))).isTrue();
        }
        await().until(() -> fx.lastDurableAck() == 10);

        fx.receiver.stop();
        await().until(() -> !sender.isConnected());
        long seq = 11;
        while (sender.offer(fx.record(seq, 64 << 10))) {
            seq++;
        }
        assertThat(fx.streamBreaks).containsExactly(new StreamBreak(BitmapReason.WINDOW_FULL, seq));
        assertThat(sender.windowBytesInUse()).isZero(); // nothing will send them again: dirty bits cover them

        fx.receiver.resumeSeq(10);
        fx.receiver.restart();
        await().until(sender::isConnected);
        assertThat(sender.takesRecords()).isFalse();
        long next = seq + 1;
        assertThat(sender.resumeStreaming(next)).isTrue();
        assertThat(sender.offer(fx.record(next, RECORD_BYTES))).isTrue();
        await().until(() -> fx.lastDurableAck() == next);
        assertThat(fx.receiver.records().getLast()).extracting(Received::seq, Received::connection)
                .containsExactly(next, 2);
    }

    @Test
    void aReconnectInBitmapModeAdoptsTheGatewayResumePointAndTheResyncStreamsGapFreeFromIt() throws InterruptedException {
        GatewaySender sender = fx.startConnected(fx.config().build());
        for (long seq = 1; seq <= 5; seq++) {
            assertThat(sender.offer(fx.record(seq, RECORD_BYTES))).isTrue();
        }
        await().until(() -> fx.lastDurableAck() == 5);
        fx.receiver.autoAck(false);
        for (long seq = 6; seq <= 10; seq++) {
            assertThat(sender.offer(fx.record(seq, RECORD_BYTES))).isTrue();
        }
        await().until(() -> fx.receiver.records().size() == 10);
        fx.receiver.stop();
        fx.graceOver();
        assertThat(sender.takesRecords()).isFalse();
        assertThat(sender.resumeForResync()).as("not connected").isEqualTo(-1);
        assertThat(sender.takesRecords()).isFalse();

        fx.receiver.autoAck(true);
        fx.receiver.resumeSeq(7); // journaled up to 7 before it went away; 8..10 are lost
        fx.receiver.restart();
        await().until(sender::isConnected);
        assertThat(sender.takesRecords()).isFalse();
        assertThat(sender.resumeForResync()).isEqualTo(8);
        assertThat(sender.takesRecords()).isTrue();
        assertThat(sender.offer(fx.record(8, RECORD_BYTES))).isTrue();
        await().until(() -> fx.lastDurableAck() == 8);
        assertThat(fx.durableAcks).contains(7L);
        assertThat(fx.receiver.records().getLast()).extracting(Received::seq, Received::connection).containsExactly(8L, 2);
        assertThat(fx.receiver.violations()).isEmpty();
    }

    @Test
    void aTapRestartedWithDirtyBitsAdoptsAResumePointBeyondItsOwnSeqs() throws InterruptedException {
        fx.receiver.stop();
        GatewaySender sender = fx.start(fx.config().build());
        assertThat(sender.takeStartSeq()).isEqualTo(1);
        sender.awaitResync();
        assertThat(fx.streamBreaks).containsExactly(new StreamBreak(BitmapReason.DIRTY_AT_START, 1));

        fx.receiver.resumeSeq(500); // what the earlier run of the tap left in the journal
        fx.receiver.restart();
        await().until(sender::isConnected);
        assertThat(fx.receiver.errorsReceived()).isEmpty();
        assertThat(sender.durableSeq()).isEqualTo(500);
        assertThat(fx.durableAcks).as("nothing of this run to acknowledge").isEmpty();
        assertThat(sender.resumeForResync()).isEqualTo(501);
        assertThat(sender.offer(fx.record(501, RECORD_BYTES))).isTrue();
        await().until(() -> fx.lastDurableAck() == 501);
    }

    @Test
    void anOutageLongerThanTheGraceEndsInBitmapModeAndDropsWhatWasHeld() throws InterruptedException {
        GatewaySender sender = fx.startConnected(fx.config().build());
        fx.receiver.autoAck(false);
        assertThat(sender.offer(fx.record(1, RECORD_BYTES))).isTrue();
        await().until(() -> fx.receiver.records().size() == 1);
        fx.receiver.stop();
        await().until(() -> fx.outages.size() == 1);
        fx.receiver.restart();
        await().until(sender::isConnected);
        sender.outageGraceOver(1);
        assertThat(sender.takesRecords()).as("outage 1 ended within its grace").isTrue();

        fx.receiver.stop();
        await().until(() -> fx.outages.size() == 2);
        sender.outageGraceOver(2);
        assertThat(sender.takesRecords()).isFalse();
        assertThat(fx.streamBreaks).containsExactly(new StreamBreak(BitmapReason.CONNECTION_LOST, 2));
        assertThat(sender.windowBytesInUse()).isZero();
    }

    @Test
    void aFullJournalAtTheGatewayPutsTheSenderInBitmapMode() {
        GatewaySender sender = fx.startConnected(fx.config().build());
        assertThat(sender.offer(fx.record(1, RECORD_BYTES))).isTrue();
        await().until(() -> fx.lastDurableAck() == 1);
        fx.receiver.send(ErrorFrame.of(ErrorCode.JOURNAL_FULL, "the journal is full"));
        await().until(() -> !sender.takesRecords());
        assertThat(fx.streamBreaks).containsExactly(new StreamBreak(BitmapReason.GATEWAY_REFUSED, 2));
        assertThat(sender.offer(fx.record(2, RECORD_BYTES))).isFalse();
    }

    @Test
    void theResumeSeqOfAReconnectAcknowledgesRecordsWhoseAckWasLost() throws InterruptedException {
        fx.receiver.autoAck(false);
        GatewaySender sender = fx.startConnected(fx.config().build());
        for (long seq = 1; seq <= 5; seq++) {
            assertThat(sender.offer(fx.record(seq, RECORD_BYTES))).isTrue();
        }
        await().until(() -> fx.receiver.records().size() == 5);
        fx.receiver.stop();
        fx.receiver.resumeSeq(5);
        fx.receiver.restart();
        await().until(() -> fx.lastDurableAck() == 5);
        assertThat(sender.durableSeq()).isEqualTo(5);
    }

    @Test
    void aStandbyAnsweringNotLeaderIsPassedOverAndTakesOverWhenTheLeaderIsGone() throws Exception {
        try (TestGatewayReceiver leader = TestGatewayReceiver.start()) {
            fx.receiver.helloReply(HelloReply.NOT_LEADER); // the first address is the site's standby
            GatewaySender sender = fx.startConnected(fx.config(fx.receiver, leader).build());
            for (long seq = 1; seq <= 5; seq++) {
                assertThat(sender.offer(fx.record(seq, RECORD_BYTES))).isTrue();
            }
            await().until(() -> leader.acknowledged() == 5 && sender.durableSeq() == 5);
            assertThat(leader.records()).extracting(Received::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(fx.receiver.records()).as("nothing streamed to the standby").isEmpty();
            assertThat(fx.counter("protocol.errors", "code", "NOT_LEADER", "origin", "peer")).isPositive();

            // The leader dies; the standby takes over with a journal that holds none of it: the tap does not trust
            // the acks of the records it lost and resyncs (bitmap mode), streaming after what the new leader holds.
            leader.stop();
            fx.receiver.helloReply(HelloReply.ACCEPT);
            await().until(() -> !fx.streamBreaks.isEmpty() && sender.isConnected() && fx.receiver.hasConnection());
            assertThat(fx.streamBreaks).extracting(StreamBreak::reason)
                    .containsExactly(BitmapReason.GATEWAY_LOST_ACKNOWLEDGED);
            assertThat(sender.resumeForResync()).isEqualTo(1);
            assertThat(sender.offer(fx.record(1, RECORD_BYTES))).isTrue();
            await().until(() -> fx.receiver.acknowledged() == 1);
        }
    }

        @Test
    void aStandbyWhoseJournalHoldsMoreThanTheLeaderAcknowledgedIsNotTrustedWithTheLeadersAcks() throws Exception {
        try (TestGatewayReceiver standby = TestGatewayReceiver.start()) {
            standby.helloReply(HelloReply.NOT_LEADER);
            GatewaySender sender = fx.startConnected(fx.config(fx.receiver, standby).build());
            for (long seq = 1; seq <= 5; seq++) {
                assertThat(sender.offer(fx.record(seq, RECORD_BYTES))).isTrue();
            }
            await().until(() -> sender.durableSeq() == 5);

            // The standby led the group once: its journal holds seqs of that tenure, above what the leader acknowledged.
            fx.receiver.stop();
            standby.receiverId("standby-gateway");
            standby.resumeSeq(40);
            standby.helloReply(HelloReply.ACCEPT);
            await().until(() -> !fx.streamBreaks.isEmpty() && sender.isConnected() && standby.hasConnection());
            assertThat(fx.streamBreaks).extracting(StreamBreak::reason)
                    .containsExactly(BitmapReason.GATEWAY_LOST_ACKNOWLEDGED);
            assertThat(fx.counter("acknowledged.lost")).isEqualTo(1);
            assertThat(sender.resumeForResync()).as("the resync streams after what the standby holds").isEqualTo(41);
        }
    }

    @Test
    void aGatewayLeadingUnderALowerEpochThanOneSeenIsRefusedNothingSentToItNorTakenFromIt() throws Exception {
        try (TestGatewayReceiver deposed = TestGatewayReceiver.start()) {
            fx.receiver.epoch(2);
            deposed.helloReply(HelloReply.NOT_LEADER);
            GatewaySender sender = fx.startConnected(fx.config(fx.receiver, deposed).build());
            for (long seq = 1; seq <= 3; seq++) {
                assertThat(sender.offer(fx.record(seq, RECORD_BYTES))).isTrue();
            }
            await().until(() -> sender.durableSeq() == 3);
            assertThat(HighestEpoch.open(fx.epochFile).highest()).as("persisted once seen").isEqualTo(2);

            // The leader goes; a deposed leader wakes up believing it leads under epoch 1, its journal further on.
            deposed.epoch(1);
            deposed.resumeSeq(3);
            deposed.helloReply(HelloReply.ACCEPT);
            fx.receiver.stop();
            await().until(() -> fx.counter("protocol.errors", "code", "STALE_EPOCH", "origin", "local") >= 2);
            assertThat(deposed.errorsReceived()).extracting(ErrorFrame::code).contains(ErrorCode.STALE_EPOCH);
            assertThat(sender.isConnected()).isFalse();
            assertThat(sender.offer(fx.record(4, RECORD_BYTES))).as("kept in the window, not sent").isTrue();
            assertThat(deposed.records()).as("nothing streamed to the deposed leader").isEmpty();
            assertThat(fx.durableAcks).as("its resume point acknowledged nothing").allMatch(seq -> seq <= 3);
            assertThat(HighestEpoch.open(fx.epochFile).admit(1)).as("refused after a restart too").isFalse();

            // The new leader (epoch 3) is taken, and gets what the deposed one was refused.
            deposed.epoch(3);
            await().until(() -> sender.isConnected() && deposed.acknowledged() == 4);
            assertThat(deposed.records()).extracting(Received::seq).containsExactly(4L);
            assertThat(HighestEpoch.open(fx.epochFile).highest()).isEqualTo(3);
        }
    }

    @Test
    void anErrorFromTheGatewayIsCountedAndTheSenderRetriesWithBackoff() {
        fx.receiver.helloReply(HelloReply.ERROR);
        GatewaySender sender = fx.start(fx.config().build());
        await().until(() -> fx.counter("protocol.errors", "code", "WRONG_PAIR", "origin", "peer") >= 3);
        assertThat(sender.isConnected()).isFalse();

        fx.receiver.helloReply(HelloReply.ACCEPT);
        await().until(sender::isConnected);
    }

    @Test
    void garbageFromTheGatewayIsAProtocolErrorThatClosesTheConnection() {
        GatewaySender sender = fx.startConnected(fx.config().build());
        fx.receiver.sendGarbage();
        await().until(() -> fx.counter("protocol.errors", "code", "BAD_MAGIC", "origin", "local") == 1);
        await().until(() -> fx.receiver.hellos().size() == 2 && sender.isConnected());
        assertThat(fx.streamBreaks).isEmpty(); // nothing was lost: the reconnect continues the stream
        assertThat(sender.offer(fx.record(1, RECORD_BYTES))).isTrue();
        await().until(() -> fx.lastDurableAck() == 1);
    }

    @Test
    void garbageInsteadOfAHelloAckIsRetried() {
        fx.receiver.helloReply(HelloReply.GARBAGE);
        GatewaySender sender = fx.start(fx.config().build());
        await().until(() -> fx.counter("protocol.errors", "code", "BAD_MAGIC", "origin", "local") >= 2);
        fx.receiver.helloReply(HelloReply.ACCEPT);
        await().until(sender::isConnected);
    }

    @Test
    void aHugeFrameInsteadOfAHelloAckIsRefusedOnItsHeader() {
        // Until the HELLO_ACK, the tap holds the gateway to the handshake bound: it does not wait for 64 MiB.
        fx.receiver.helloReply(HelloReply.OVERSIZED_HEADER);
        GatewaySender sender = fx.start(fx.config().build());
        await().until(() -> fx.counter("protocol.errors", "code", "FRAME_TOO_LARGE", "origin", "local") >= 2);
        fx.receiver.helloReply(HelloReply.ACCEPT);
        await().until(sender::isConnected);
    }

    @Test
    void anAckBeyondWhatWasSentIsAViolationReportedToTheGateway() {
        fx.receiver.autoAck(false);
        GatewaySender sender = fx.startConnected(fx.config().build());
        assertThat(sender.offer(fx.record(1, RECORD_BYTES))).isTrue();
        await().until(() -> fx.receiver.records().size() == 1);

        fx.receiver.send(new Ack(CG, 2, AckScope.DURABLE));
        await().until(() -> fx.counter("protocol.errors", "code", "SEQ_GAP", "origin", "local") == 1);
        await().until(() -> !fx.receiver.errorsReceived().isEmpty());
        assertThat(fx.receiver.errorsReceived().getFirst().code()).isEqualTo(ErrorCode.SEQ_GAP);
        assertThat(fx.durableAcks).isEmpty();
        // The violation costs the connection, not the record: it is held and sent again after the reconnect.
        assertThat(sender.takesRecords()).isTrue();
        await().until(() -> fx.receiver.records().stream().filter(r -> r.connection() == 2).count() == 1);
    }

    @Test
    void anAckThatGoesBackwardsIsAViolation() {
        fx.receiver.autoAck(false);
        GatewaySender sender = fx.startConnected(fx.config().build());
        assertThat(sender.offer(fx.record(1, RECORD_BYTES))).isTrue();
        assertThat(sender.offer(fx.record(2, RECORD_BYTES))).isTrue();
        await().until(() -> fx.receiver.records().size() == 2);
        fx.receiver.ackDurable(CG, 2);
        await().until(() -> fx.lastDurableAck() == 2);

        fx.receiver.resumeSeq(2); // so that the reconnection after the violation is clean
        fx.receiver.ackDurable(CG, 1);
        await().until(() -> fx.counter("protocol.errors", "code", "SEQ_GAP", "origin", "local") == 1);
        await().until(() -> fx.receiver.hellos().size() == 2 && sender.isConnected());
        assertThat(fx.durableAcks).containsExactly(2L);
    }

    @Test
    void aGatewayThatHeartbeatsButNeverAcknowledgesIsLeftAfterTheAckTimeoutAndGetsTheRecordsAgain() {
        long ackTimeoutMs = 2_000;
        // The gateway answers heartbeats but acks nothing, as one stuck in a frame whose length was damaged on the
        // wire: the read timeout (500 ms) never fires, only the ack timeout can end it.
        fx.receiver.autoAck(false);
        fx.receiver.resumeFromAcknowledged(true);
        GatewaySender sender = fx.startConnected(fx.config().link(l -> l.withLiveness(50, 500)).link(l -> l.withAckTimeoutMs(ackTimeoutMs)).build());
        long offeredAt = System.nanoTime();
        for (long seq = 1; seq <= 5; seq++) {
            assertThat(sender.offer(fx.record(seq, RECORD_BYTES))).isTrue();
        }
        await().until(() -> fx.receiver.records().size() == 5);

        await().during(Duration.ofMillis(1_000)).atMost(Duration.ofMillis(1_400))
                .until(() -> fx.receiver.connectionCount() == 1 && sender.isConnected());
        await().atMost(Duration.ofMillis(ackTimeoutMs + 2_000)).pollInterval(Duration.ofMillis(10))
                .until(() -> fx.receiver.connectionCount() == 2);
        long leftAfterMs = (System.nanoTime() - offeredAt) / 1_000_000;
        assertThat(leftAfterMs).isBetween(ackTimeoutMs, ackTimeoutMs + 1_500);
        assertThat(fx.counter("ack.timeouts")).isEqualTo(1);

        // The new connection gets every unacknowledged record again, and its ack empties the window.
        await().until(() -> fx.receiver.records().stream().filter(r -> r.connection() == 2).count() == 5);
        assertThat(fx.receiver.records()).filteredOn(r -> r.connection() == 2).extracting(Received::seq)
                .containsExactly(1L, 2L, 3L, 4L, 5L);
        fx.receiver.ackDurable(CG, 5);
        await().until(() -> sender.windowBytesInUse() == 0 && fx.lastDurableAck() == 5);
        assertThat(sender.takesRecords()).isTrue();
        assertThat(fx.streamBreaks).isEmpty();
        assertThat(fx.counter("ack.timeouts")).isEqualTo(1);
    }

    @Test
    void aSilentGatewayIsTakenForDeadAndReconnected() {
        fx.receiver.helloReply(HelloReply.SILENT);
        fx.start(fx.config().link(l -> l.withLiveness(50, 300)).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> fx.receiver.hellos().size() >= 2);
    }

    @Test
    void heartbeatsKeepAnIdleConnectionAlive() {
        GatewaySender sender = fx.startConnected(fx.config().link(l -> l.withLiveness(50, 300)).build());
        await().until(() -> fx.receiver.heartbeats() >= 15); // 750 ms: more than two read-idle timeouts
        assertThat(fx.receiver.connectionCount()).isEqualTo(1);
        assertThat(sender.isConnected()).isTrue();
    }

    @Test
    void flushesFollowTheirRecordsAndRepeatsAreNotResent() {
        GatewaySender sender = fx.startConnected(fx.config().build());
        assertThat(sender.offer(fx.record(1, RECORD_BYTES))).isTrue();
        assertThat(sender.offerFlush(new Flush(CG, 1, 5))).isTrue();
        assertThat(sender.offerFlush(new Flush(CG, 1, 6))).isTrue();
        assertThat(sender.offer(fx.record(2, RECORD_BYTES))).isTrue();
        assertThat(sender.offerFlush(new Flush(CG, 2, 7))).isTrue();
        assertThatThrownBy(() -> sender.offerFlush(new Flush(CG, 3, 8))).isInstanceOf(IllegalArgumentException.class);

        await().until(() -> fx.receiver.flushes().size() == 2 && fx.receiver.records().size() == 2);
        assertThat(fx.receiver.flushes()).extracting(Flush::seq).containsExactly(1L, 2L);

        assertThat(sender.offer(fx.record(4, RECORD_BYTES))).isFalse(); // out of order: BITMAP
        assertThat(sender.offerFlush(new Flush(CG, 4, 9))).isFalse(); // covers a refused record: refused, no throw
    }

    @Test
    void aClosedSenderRefusesAndReleases() {
        GatewaySender sender = fx.startConnected(fx.config().build());
        assertThat(sender.offer(fx.record(1, RECORD_BYTES))).isTrue();
        sender.close();
        assertThat(sender.offer(fx.record(2, RECORD_BYTES))).isFalse();
        assertThat(sender.takesRecords()).isFalse();
        assertThat(fx.streamBreaks).containsExactly(new StreamBreak(BitmapReason.CLOSED, 2));
        // Written out before the connection closed; the receiver reads it in its own time.
        await().untilAsserted(() -> assertThat(fx.receiver.records()).extracting(Received::seq).containsExactly(1L));
    }
}
