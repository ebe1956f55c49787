package io.datamover.gateway.target;

import static io.datamover.gateway.target.Images.DISKS;
import static io.datamover.gateway.target.Images.MIB;
import static io.datamover.gateway.target.Images.data;
import static io.datamover.gateway.target.Images.marker;
import static io.datamover.gateway.target.Images.trim;
import static io.datamover.gateway.target.Images.zero;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.applier.ReplicaState;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.Batch;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.Compression;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Feature;
import io.datamover.protocol.FrameType;
import io.datamover.protocol.Heartbeat;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HostileFrames;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.Role;
import io.datamover.protocol.Wire;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetGatewayTest extends TargetGatewayFixture {

    /** A source whose HELLO the target refuses with {@code code}. */
    private ErrorFrame refusedHello(Hello hello, ErrorCode code) throws Exception {
        TestSource source = track(new TestSource(gateway.address()));
        source.send(hello);
        return source.awaitError(code);
    }

    private Path spoolDir() {
        return tmp.resolve("data").resolve("cg-" + CG).resolve("spool");
    }

    private double counter(String name, String... tags) {
        return registry.counter(name, tags).count();
    }

    /** Two batches: a sync of disk 1 (raw) and writes that end it (LZ4), with data, zeros and trims. */
    private List<Batch> syncOfDiskOne() {
        Batch raw = images.batch(CG, 1, 4, Compression.NONE, List.of(
                marker(1, 1, RecordKind.SYNC_BEGIN),
                data(2, 1, 0, images.random(MIB)),
                data(3, 2, 8192, images.random(10_000)),
                zero(4, 1, 256 * 1024, 512 * 1024)));
        Batch lz4 = images.batch(CG, 5, 9, Compression.LZ4, List.of(
                data(5, 1, 2 * MIB, Images.pattern(MIB, 3)),
                data(6, 2, 0, new byte[64 * 1024]), // all zeros: stays a hole
                trim(7, 1, 2 * MIB + 128 * 1024, 256 * 1024),
                data(8, 1, 4 * MIB - 4096, Images.pattern(4096, 9)),
                marker(9, 1, RecordKind.SYNC_END)));
        return List.of(raw, lz4);
    }

    @Test
    void batchesAreAcknowledgedDurableThenAppliedAndTheReplicasEqualWhatWasShipped() throws Exception {
        start();
        TestSource source = connect();
        assertThat(source.lastHelloAck.resumeSeq()).isZero();
        assertThat(status().replicaStates()).containsExactly(Map.entry("system", ReplicaState.INCONSISTENT),
                Map.entry("data", ReplicaState.INCONSISTENT));

        for (Batch b : syncOfDiskOne()) {
            source.send(b);
        }
        source.awaitAck(AckScope.DURABLE, 4);
        source.awaitAck(AckScope.APPLIED, 9);

        await().atMost(Duration.ofSeconds(10)).until(() -> status().spoolBatches() == 0);
        images.assertReplicasMatch(replicaDir());
        ConsistencyGroupStatus status = status();
        assertThat(status.appliedSeq()).isEqualTo(9);
        assertThat(status.heldSeq()).isEqualTo(9);
        assertThat(status.spoolBytes()).isZero();
        assertThat(status.replicaStates()).containsExactly(Map.entry("system", ReplicaState.UP_TO_DATE),
                Map.entry("data", ReplicaState.INCONSISTENT));
        assertThat(status.failure()).isEmpty();
        assertThat(spoolDir()).isEmptyDirectory();
        assertThat(counter("datamover.target.batches.received", "cg", "7")).isEqualTo(2);
        assertThat(registry.get("datamover.target.applied.seq").gauge().value()).isEqualTo(9);
        assertThat(registry.get("datamover.target.apply.lag").timer().count()).isEqualTo(2);
    }

    @Test
    void beforeItsHelloIsAcceptedASourceCannotMakeTheTargetBufferABigFrame() throws Exception {
        start();
        TestSource hostile = track(new TestSource(gateway.address()));
        // Refused on the header's declared length, at once: not after 64 MiB arrive, nor at the idle timeout.
        hostile.sendRaw(HostileFrames.headerDeclaring(FrameType.BATCH, 64L << 20));
        assertThat(hostile.awaitError(ErrorCode.FRAME_TOO_LARGE).message())
                .contains("limit is " + Hello.MAX_BODY_BYTES);
        assertThat(counter("datamover.target.rejected", "code", "FRAME_TOO_LARGE")).isEqualTo(1);

        // After HELLO_ACK the streaming bound holds: a batch of 1 MiB is applied.
        TestSource source = connect();
        source.send(images.batch(CG, 1, 1, Compression.NONE, List.of(data(1, 1, 0, images.random(MIB)))));
        source.awaitAck(AckScope.APPLIED, 1);
        images.assertReplicasMatch(replicaDir());
    }

    @Test
    void aHelloWithoutDisksIsRefusedAsMalformedAndNothingIsCreated() throws Exception {
        start();
        TestSource source = track(new TestSource(gateway.address()));
        source.sendRaw(HostileFrames.helloWithoutDisks(TestSource.hello(PAIR, CG, DISKS)));
        assertThat(source.awaitError(ErrorCode.MALFORMED).message()).contains("at least one disk");
        assertThat(gateway.consistencyGroups()).isEmpty();
        assertThat(TargetGateway.replicaSetDirectory(tmp.resolve("replicas"), CG)).doesNotExist();
    }

    @Test
    void pastMaxGroupsANewGroupIsRefusedAndTheGroupsHeldKeepApplying() throws Exception {
        start(b -> b.maxGroups(1));
        TestSource source = connect();
        source.send(images.batch(CG, 1, 1, Compression.NONE, List.of(data(1, 1, 0, images.random(4096)))));
        source.awaitAck(AckScope.APPLIED, 1);

        int other = CG + 1;
        ErrorFrame error = refusedHello(TestSource.hello(PAIR, other, DISKS), ErrorCode.TOO_MANY_GROUPS);
        assertThat(error.message()).contains("consistency group " + other).contains("--max-groups");
        assertThat(counter("datamover.target.rejected", "code", "TOO_MANY_GROUPS")).isEqualTo(1);
        assertThat(gateway.consistencyGroup(other)).isEmpty();
        assertThat(TargetGateway.replicaSetDirectory(tmp.resolve("replicas"), other)).doesNotExist();

        source.send(images.batch(CG, 2, 2, Compression.NONE, List.of(data(2, 2, 0, images.random(8192)))));
        source.awaitAck(AckScope.APPLIED, 2);
        images.assertReplicasMatch(replicaDir());
    }

    @Test
    void theDurableAckOfABatchComesBeforeItsAppliedAck() throws Exception {
        start();
        TestSource source = connect();
        source.send(images.batch(CG, 1, 1, Compression.NONE, List.of(data(1, 2, 0, images.random(4096)))));
        assertThat(source.nextIgnoringHeartbeats()).isEqualTo(new io.datamover.protocol.Ack(CG, 1, AckScope.DURABLE));
        assertThat(source.nextIgnoringHeartbeats()).isEqualTo(new io.datamover.protocol.Ack(CG, 1, AckScope.APPLIED));
    }

    @Test
    void aBatchSentAgainAfterAReconnectIsAcknowledgedAndChangesNothing() throws Exception {
        start();
        TestSource first = connect();
        Batch batch = images.batch(CG, 1, 2, Compression.NONE,
                List.of(data(1, 1, 4096, images.random(8192)), data(2, 2, 0, images.random(4096))));
        Batch resent = new Batch(batch.cg(), batch.firstSeq(), batch.lastSeq(), batch.entryCount(),
                batch.oldestTimestampMicros(), batch.newestTimestampMicros(), batch.compression(),
                batch.uncompressedLength(), batch.bodyCrc(), batch.body().retainedDuplicate());
        first.send(batch);
        first.awaitAck(AckScope.APPLIED, 2);
        first.close();

        await().atMost(Duration.ofSeconds(10)).until(() -> !status().sourceConnected());
        TestSource second = connect();
        assertThat(second.lastHelloAck.resumeSeq()).isEqualTo(2);
        second.send(resent);
        second.awaitAck(AckScope.DURABLE, 2);
        assertThat(counter("datamover.target.batches.duplicate", "cg", "7")).isEqualTo(1);

        second.send(images.batch(CG, 3, 3, Compression.NONE, List.of(data(3, 1, 0, images.random(4096)))));
        second.awaitAck(AckScope.APPLIED, 3);
        images.assertReplicasMatch(replicaDir());
        assertThat(counter("datamover.target.batches.received", "cg", "7")).isEqualTo(2);
    }

    @Test
    void aSecondSourceForTheSameGroupIsRefusedWhileTheFirstIsConnected() throws Exception {
        start();
        connect();
        ErrorFrame error = refusedHello(TestSource.hello(PAIR, CG, DISKS), ErrorCode.ALREADY_CONNECTED);
        assertThat(error.message()).contains("already has a source connected");
    }

    @Test
    void aGapOrAPartialOverlapIsRefusedWithSeqGapAndNothingIsApplied() throws Exception {
        start();
        TestSource source = connect();
        source.send(images.batch(CG, 2, 3, Compression.NONE, false, List.of(data(2, 1, 0, images.random(4096)))));
        assertThat(source.awaitError(ErrorCode.SEQ_GAP).message()).contains("does not follow seq 0");
        assertThat(status().appliedSeq()).isZero();
        assertThat(status().heldSeq()).isZero();
        images.assertReplicasMatch(replicaDir());

        TestSource again = connect();
        again.send(images.batch(CG, 1, 2, Compression.NONE, List.of(data(1, 1, 0, images.random(4096)))));
        again.awaitAck(AckScope.APPLIED, 2);
        again.send(images.batch(CG, 2, 4, Compression.NONE, false, List.of(data(4, 1, 0, images.random(4096)))));
        again.awaitError(ErrorCode.SEQ_GAP);
        assertThat(status().appliedSeq()).isEqualTo(2);
        images.assertReplicasMatch(replicaDir());
        assertThat(counter("datamover.target.rejected", "code", "SEQ_GAP")).isEqualTo(2);
    }

    @Test
    void aBodyWithAFlippedByteIsRefusedWithCrcMismatchAndNothingIsSpooled() throws Exception {
        start();
        TestSource source = connect();
        Batch batch = images.batch(CG, 1, 1, Compression.NONE, false, List.of(data(1, 1, 0, images.random(8192))));
        int at = batch.body().readerIndex() + 100;
        batch.body().setByte(at, batch.body().getByte(at) ^ 0x01);
        source.send(batch);

        assertThat(source.awaitError(ErrorCode.CRC_MISMATCH).message()).contains("body CRC32C");
        assertThat(status().heldSeq()).isZero();
        assertThat(spoolDir()).isEmptyDirectory();
        images.assertReplicasMatch(replicaDir());
        assertThat(counter("datamover.target.rejected", "code", "CRC_MISMATCH")).isEqualTo(1);
    }

    @Test
    void entriesThatFailTheirChecksAreRefusedBeforeSpooling() throws Exception {
        start();
        byte[] payload = images.random(4096);
        List<List<BlockWrite>> bad = List.of(
                // payload that does not match the CRC taken at the tap
                List.of(new BlockWrite(1, 1, 0, 4096, RecordKind.DATA, 12345, Unpooled.wrappedBuffer(payload))),
                // past the end of the disk
                List.of(data(1, 2, 2 * MIB - 4096, images.random(8192))),
                // a disk the source did not declare
                List.of(data(1, 9, 0, images.random(4096))));
        List<ErrorCode> codes = List.of(ErrorCode.CRC_MISMATCH, ErrorCode.MALFORMED, ErrorCode.MALFORMED);
        for (int i = 0; i < bad.size(); i++) {
            TestSource source = connect();
            source.send(images.batch(CG, 1, 1, Compression.NONE, false, bad.get(i)));
            source.awaitError(codes.get(i));
        }
        assertThat(status().heldSeq()).isZero();
        assertThat(spoolDir()).isEmptyDirectory();
        images.assertReplicasMatch(replicaDir());
    }

    @Test
    void anotherPairIsRefusedByConfigurationAndByTheReplicaStamp() throws Exception {
        start(b -> b.pairId(PAIR));
        assertThat(refusedHello(TestSource.hello("pair-b", CG, DISKS), ErrorCode.WRONG_PAIR).message())
                .as("nothing about this side's pair").contains("'pair-b'").doesNotContain("pair-a");

        start(); // any pair; cg 7 is stamped with pair-a once a source of pair-a has connected
        connect().close();
        start();
        assertThat(refusedHello(TestSource.hello("pair-b", CG, DISKS), ErrorCode.WRONG_PAIR).message())
                .as("nothing about this side's pair").contains("another pair").doesNotContain("pair-a");
        List<DiskInfo> otherDisks = List.of(new DiskInfo(1, "system", 8 * MIB, 4096));
        refusedHello(TestSource.hello(PAIR, CG, otherDisks), ErrorCode.INCOMPATIBLE);
        refusedHello(Hello.of(Role.TAP, "tap-1", PAIR, CG, "vm", DISKS), ErrorCode.INCOMPATIBLE);
        Hello noLz4 = new Hello(Wire.PROTOCOL_MAX, Wire.PROTOCOL_MAX, Feature.PAYLOAD_CRC.mask(), Role.SOURCE_GATEWAY,
                "src-gw", PAIR, CG, "vm", DISKS, TestSource.GENERATIONS, TestSource.JOURNAL_SEQ);
        TestSource plain = connect(noLz4);
        plain.send(images.batch(CG, 1, 1, Compression.LZ4, false, List.of(data(1, 1, 0, Images.pattern(65536, 1)))));
        assertThat(plain.awaitError(ErrorCode.INCOMPATIBLE).message()).contains("LZ4_BATCHES");
        assertThat(counter("datamover.target.rejected", "code", "WRONG_PAIR")).isEqualTo(2);
    }

    @Test
    void aSourceWhoseDiskGrewHasTheReplicaGrownBeforeItsBatchesAndAShrunkDiskIsRefused() throws Exception {
        start();
        TestSource source = connect();
        for (Batch b : syncOfDiskOne()) {
            source.send(b);
        }
        source.awaitAck(AckScope.APPLIED, 9);
        source.close();
        List<DiskInfo> grown = List.of(new DiskInfo(1, "system", 68 * MIB, Images.BLOCK), DISKS.get(1));
        TestSource grownSource = await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> connect(TestSource.hello(PAIR, CG, grown)), s -> true);
        byte[] pastTheOldEnd = Images.pattern(8192, 4);
        grownSource.send(images.batch(CG, 10, 10, Compression.NONE, false, // past the model's image: read below
                List.of(data(10, 1, 64 * MIB, pastTheOldEnd))));
        grownSource.awaitAck(AckScope.APPLIED, 10);

        Path image = replicaDir().resolve("system.img");
        assertThat(Files.size(image)).isEqualTo(68 * MIB);
        byte[] read = new byte[8192];
        try (var channel = java.nio.channels.FileChannel.open(image)) {
            channel.read(java.nio.ByteBuffer.wrap(read), 64 * MIB);
        }
        assertThat(read).isEqualTo(pastTheOldEnd);
        assertThat(io.datamover.applier.ReplicaSet.readStamp(replicaDir()).orElseThrow().disks()).isEqualTo(grown);
        assertThat(status().replicaStates()).containsEntry("system", ReplicaState.UP_TO_DATE);
        grownSource.close();

        List<DiskInfo> shrunk = List.of(new DiskInfo(1, "system", 2 * MIB, Images.BLOCK), DISKS.get(1));
        ErrorFrame refused = await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> refusedHello(TestSource.hello(PAIR, CG, shrunk), ErrorCode.INCOMPATIBLE), e -> true);
        assertThat(refused.message()).contains("disk system shrank from " + 68 * MIB + " to " + 2 * MIB);
        assertThat(Files.size(image)).isEqualTo(68 * MIB);
    }

    @Test
    void spooledBatchesAreAppliedAfterARestartBeforeAnySourceConnects() throws Exception {
        start();
        TestSource source = connect();
        source.send(images.batch(CG, 1, 2, Compression.NONE,
                List.of(marker(1, 2, RecordKind.SYNC_BEGIN), data(2, 2, 0, images.random(4096)))));
        source.awaitAck(AckScope.APPLIED, 2);
        source.close();
        gateway.close();
        gateway = null;

        // Batches the gateway had spooled (and acknowledged DURABLE) when it stopped, not yet applied.
        BatchSpool spool = BatchSpool.open(spoolDir(), 2, 0);
        for (Batch b : List.of(
                images.batch(CG, 3, 5, Compression.LZ4, List.of(data(3, 1, 0, Images.pattern(256 * 1024, 1)),
                        data(5, 2, 4096, images.random(4096)))),
                images.batch(CG, 6, 7, Compression.NONE, List.of(zero(6, 1, 4096, 8192),
                        marker(7, 2, RecordKind.SYNC_END))))) {
            try {
                spool.publish(spool.write(b, 0));
            } finally {
                b.release();
            }
        }
        Files.writeString(spoolDir().resolve("00000000000000000008-00000000000000000009.batch.tmp"), "torn");

        start();
        await().atMost(Duration.ofSeconds(10)).until(() -> status().appliedSeq() == 7);
        await().atMost(Duration.ofSeconds(10)).until(() -> status().spoolBatches() == 0);
        images.assertReplicasMatch(replicaDir());
        assertThat(spoolDir()).isEmptyDirectory();
        assertThat(status().replicaStates()).containsExactly(Map.entry("system", ReplicaState.INCONSISTENT),
                Map.entry("data", ReplicaState.UP_TO_DATE));
        assertThat(connect().lastHelloAck.resumeSeq()).isEqualTo(7);

        // The states are in the replica stamp: a restart shows them without any batch.
        start();
        assertThat(status().replicaStates()).containsExactly(Map.entry("system", ReplicaState.INCONSISTENT),
                Map.entry("data", ReplicaState.UP_TO_DATE));
        assertThat(status().appliedSeq()).isEqualTo(7);
    }

    @Test
    void aBatchTheApplierRefusesStopsTheGroupWithAnErrorAndNothingOfItIsApplied() throws Exception {
        start();
        TestSource source = connect();
        source.send(images.batch(CG, 1, 1, Compression.NONE, List.of(marker(1, 1, RecordKind.SYNC_END))));
        source.awaitAck(AckScope.APPLIED, 1);
        // A second SYNC_END with no sync under way passes the receiving checks but not the state transitions.
        source.send(images.batch(CG, 2, 3, Compression.NONE, false,
                List.of(data(2, 1, 0, images.random(4096)), marker(3, 1, RecordKind.SYNC_END))));
        assertThat(source.awaitError(ErrorCode.MALFORMED).message()).contains("SYNC_END for disk system");

        await().atMost(Duration.ofSeconds(10)).until(() -> status().failure().isPresent());
        assertThat(status().appliedSeq()).isEqualTo(1);
        assertThat(status().spoolBatches()).isEqualTo(1); // kept for the operator
        assertThat(status().heldSeq()).isEqualTo(3); // what a source would resume after: spooled, not applied
        images.assertReplicasMatch(replicaDir());
        assertThat(refusedHello(TestSource.hello(PAIR, CG, DISKS), ErrorCode.MALFORMED).message())
                .contains("stopped applying");
        assertThat(counter("datamover.target.apply.failures", "cg", "7")).isEqualTo(1);
    }

    @Test
    void aSpoolFarSmallerThanTheStreamPausesReadingButDropsNothing() throws Exception {
        start(b -> b.spoolMaxBytes(1).spoolMaxBatches(1).receiveQueueMaxBytes(1));
        TestSource source = connect();
        int batches = 40;
        for (int i = 1; i <= batches; i++) {
            source.send(images.batch(CG, i, i, Compression.NONE,
                    List.of(data(i, 1, (long) (i % 16) * 65536, images.random(65536)))));
        }
        source.awaitAck(AckScope.APPLIED, batches);
        images.assertReplicasMatch(replicaDir());
        assertThat(counter("datamover.target.batches.received", "cg", "7")).isEqualTo(batches);
        assertThat(counter("datamover.target.read.pauses", "cg", "7")).isPositive();
    }

    @Test
    void heartbeatsCarryTheAppliedSeqAndASilentSourceIsDisconnected() throws Exception {
        start(b -> b.heartbeatIntervalMs(100).idleTimeoutMs(1_000));
        TestSource source = connect();
        source.send(images.batch(CG, 1, 3, Compression.NONE, List.of(data(3, 1, 0, images.random(4096)))));
        source.awaitAck(AckScope.APPLIED, 3);
        source.send(new Heartbeat(5, 3));
        Heartbeat heartbeat = source.next(Heartbeat.class);
        assertThat(heartbeat.lastSeq()).isEqualTo(3);
        // Only reading counts: the target's own heartbeats do not keep a silent source connected.
        source.awaitClosed();
    }

    @Test
    void closeRefusesNewWorkAndLeavesTheReplicasConsistent() throws Exception {
        start();
        TestSource source = connect();
        for (int i = 1; i <= 5; i++) {
            source.send(images.batch(CG, i, i, Compression.NONE,
                    List.of(data(i, 1, (long) i * 65536, images.random(65536)))));
        }
        source.awaitAck(AckScope.DURABLE, 5);
        gateway.close();
        source.awaitError(ErrorCode.SHUTTING_DOWN);
        // Whatever was applied before the close, the rest is spooled and applied at the next start.
        start();
        await().atMost(Duration.ofSeconds(10)).until(() -> status().appliedSeq() == 5);
        images.assertReplicasMatch(replicaDir());
    }
}
