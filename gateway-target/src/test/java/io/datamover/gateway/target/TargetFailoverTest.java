package io.datamover.gateway.target;

import static io.datamover.gateway.target.Images.MIB;
import static io.datamover.gateway.target.Images.data;
import static io.datamover.gateway.target.Images.marker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.applier.ReplicaState;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.Compression;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.Heartbeat;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.ReplicationRole;
import io.datamover.protocol.SplitBrainRegions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link TargetGateway#failover} on a running gateway with a real source connection: refused while the source is
 * connected; forced, it closes the source, applies what is spooled and promotes it, reports what the source last said
 * it held, refuses the source's next HELLO (as DIVERGED when the source wrote past the promoted seq: a split brain),
 * and is the same decision when run again and after a restart.
 */
class TargetFailoverTest extends TargetGatewayFixture {
    private static final long SYNCED_SEQ = 8;
    private static final long LAST_SEQ = 10;

    @Test
    void refusedWhileTheSourceIsConnectedThenForcedItPromotesWhatWasShippedAndRefusesTheSource() throws Exception {
        start();
        // Its HELLO says its journal holds seq 10; a heartbeat later says more.
        TestSource source = connect(TestSource.hello(PAIR, CG, Images.DISKS).withGenerations(TestSource.GENERATIONS,
                10));
        source.send(images.batch(CG, 1, SYNCED_SEQ, Compression.NONE, List.of(
                marker(1, 1, RecordKind.SYNC_BEGIN), marker(2, 2, RecordKind.SYNC_BEGIN),
                data(3, 1, 0, images.random(MIB)), data(4, 2, 64 * 1024, images.random(100_000)),
                data(5, 1, 3 * MIB, Images.pattern(4096, 5)), data(6, 2, 0, new byte[4096]),
                marker(7, 1, RecordKind.SYNC_END), marker(8, 2, RecordKind.SYNC_END))));
        source.awaitAck(AckScope.APPLIED, SYNCED_SEQ);
        source.send(new Heartbeat(1, SYNCED_SEQ + 42)); // the source's journal is further on than the replica

        assertThatThrownBy(() -> gateway.failover(CG, false)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("is connected and replicating").hasMessageContaining("planned migration");
        assertThat(status().role()).isEqualTo(ReplicationRole.SECONDARY);

        // Spooled (acknowledged DURABLE) right before the failover: applied before the promote, not dropped.
        source.send(images.batch(CG, SYNCED_SEQ + 1, LAST_SEQ, Compression.NONE, List.of(
                data(SYNCED_SEQ + 1, 1, 2 * MIB, images.random(MIB)),
                data(LAST_SEQ, 2, MIB, Images.pattern(8192, 7)))));
        source.awaitAck(AckScope.DURABLE, LAST_SEQ);
        Failover.Report report = gateway.failover(CG, true);

        assertThat(source.awaitError(ErrorCode.INCOMPATIBLE).message()).contains("being failed over");
        assertThat(report.stamp().appliedSeq()).isEqualTo(LAST_SEQ);
        assertThat(report.spoolBatchesDropped()).isZero();
        assertThat(report.describe()).contains("PROMOTED at seq " + LAST_SEQ)
                .contains("lost: at least 40 records: the source was last known to hold seq " + (SYNCED_SEQ + 42));
        images.assertReplicasMatch(replicaDir());
        ConsistencyGroupStatus promoted = status();
        assertThat(promoted.role()).isEqualTo(ReplicationRole.PROMOTED);
        assertThat(promoted.replicaStates()).containsValues(ReplicaState.PROMOTED, ReplicaState.PROMOTED);
        assertThat(promoted.generation()).isEqualTo(report.record().generation())
                .isNotEqualTo(GenerationHistory.NO_GENERATION);
        assertThat(promoted.operation()).isNull();

        // The source comes back holding nothing past the promoted seq: refused, replication has stopped.
        TestSource again = track(new TestSource(gateway.address()));
        again.send(TestSource.hello(PAIR, CG, Images.DISKS).withGenerations(TestSource.GENERATIONS, LAST_SEQ));
        ErrorFrame refused = again.awaitError(ErrorCode.INCOMPATIBLE);
        assertThat(refused.message()).contains("was failed over at the target");
        assertThat(status().role()).isEqualTo(ReplicationRole.PROMOTED);

        // It wrote on past the promoted seq, as the promoted disks may: a split brain, refused as DIVERGED and shown,
        // with the regions the recovery tap's bitmaps say this site changed since the promote.
        SplitBrainRegions changedHere = new SplitBrainRegions(3, 65_536, SplitBrainRegions.Bound.UPPER_BOUND);
        gateway.countPromotedWritesWith((cg, disks) -> Optional.of(changedHere));
        TestSource splitBrain = track(new TestSource(gateway.address()));
        splitBrain.send(TestSource.hello(PAIR, CG, Images.DISKS).withGenerations(TestSource.GENERATIONS,
                LAST_SEQ + 5));
        String divergedMessage = splitBrain.awaitError(ErrorCode.DIVERGED).message();
        assertThat(divergedMessage).contains("split brain")
                .contains("5 records past seq " + LAST_SEQ).contains(report.stamp().generations().toString())
                .contains("--discard recovery");
        assertThat(SplitBrainRegions.promotedSeqIn(divergedMessage)).hasValue(LAST_SEQ);
        assertThat(SplitBrainRegions.recoveryIn(divergedMessage)).contains(changedHere);
        assertThat(status().role()).isEqualTo(ReplicationRole.DIVERGED);
        assertThat(status().generationRefusal()).startsWith("DIVERGED: ").contains("split brain");

        assertThat(gateway.failover(CG, false).stamp()).isEqualTo(report.stamp());
        start();
        assertThat(status().role()).isEqualTo(ReplicationRole.PROMOTED);
        assertThat(gateway.failover(CG, false).describe()).isEqualTo(report.describe());
        images.assertReplicasMatch(replicaDir());
    }

    @Test
    void aGroupTheGatewayDoesNotHoldIsRefused() throws Exception {
        start();
        assertThatThrownBy(() -> gateway.failover(CG, true)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("has no replicas at this target gateway");
    }
}
