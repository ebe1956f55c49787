package io.datamover.gateway.target;

import static io.datamover.gateway.target.Images.DISKS;
import static io.datamover.gateway.target.Images.data;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.applier.ReplicaState;
import io.datamover.coordination.HighestEpoch;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.Compression;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.Hello;
import io.datamover.protocol.EndedGeneration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fencing where the data is written (docs/coordination.md): the target admits a source gateway's HELLO only under
 * an epoch at least the highest it admitted for the group, persisted before HELLO_ACK; a higher epoch supersedes the
 * attached source, whose connection is closed with nothing more spooled or acknowledged.
 */
class TargetEpochTest extends TargetGatewayFixture {

    private static Hello under(long epoch) {
        return TestSource.hello(PAIR, CG, DISKS).withEpoch(epoch);
    }

    private double staleRefusals() {
        return registry.counter("datamover.target.rejected", "code", "STALE_EPOCH").count();
    }

    @Test
    void aHigherEpochSupersedesTheAttachedSourceAndALowerOneIsRefusedEvenAfterARestart() throws Exception {
        start();
        TestSource first = connect(under(2));
        first.send(images.batch(CG, 1, 1, Compression.NONE, List.of(data(1, 1, 0, images.random(4096)))));
        first.awaitAck(AckScope.APPLIED, 1);
        assertThat(HighestEpoch.open(replicaDir().resolve(ConsistencyGroupTarget.EPOCH_FILE)).highest())
                .as("persisted before HELLO_ACK").isEqualTo(2);

        TestSource same = track(new TestSource(gateway.address()));
        same.send(under(2));
        same.awaitError(ErrorCode.ALREADY_CONNECTED);

        TestSource takeover = connect(under(3));
        assertThat(takeover.lastHelloAck.resumeSeq()).isEqualTo(1);
        assertThat(first.awaitError(ErrorCode.STALE_EPOCH).message()).contains("epoch 3");
        takeover.send(images.batch(CG, 2, 2, Compression.NONE, List.of(data(2, 2, 0, images.random(8192)))));
        takeover.awaitAck(AckScope.APPLIED, 2);

        TestSource deposed = track(new TestSource(gateway.address()));
        deposed.send(under(2));
        assertThat(deposed.awaitError(ErrorCode.STALE_EPOCH).message()).contains("epoch 2 is below epoch 3");
        assertThat(staleRefusals()).isEqualTo(2);
        assertThat(registry.get("datamover.target.epoch").tag("cg", Integer.toString(CG)).gauge().value())
                .isEqualTo(3);
        assertThat(status().appliedSeq()).isEqualTo(2);
        images.assertReplicasMatch(replicaDir());

        takeover.close();
        start(); // a restart keeps the highest epoch admitted
        TestSource afterRestart = track(new TestSource(gateway.address()));
        afterRestart.send(under(2));
        afterRestart.awaitError(ErrorCode.STALE_EPOCH);
        TestSource uncoordinated = track(new TestSource(gateway.address()));
        uncoordinated.send(TestSource.hello(PAIR, CG, DISKS));
        uncoordinated.awaitError(ErrorCode.STALE_EPOCH);
        assertThat(connect(under(3)).lastHelloAck.resumeSeq()).isEqualTo(2);
    }

    @Test
    void aNewLeaderWithAnotherHistoryTakesOverUnderAHigherEpochKeepingTheImageAndResumingAfterItsTenuresStart()
            throws Exception {
        start();
        TestSource oldLeader = connect(under(2));
        oldLeader.send(images.batch(CG, 1, 2, Compression.NONE, List.of(data(1, 1, 0, images.random(4096)),
                data(2, 1, 8192, images.random(4096)))));
        oldLeader.awaitAck(AckScope.APPLIED, 2);
        oldLeader.close();
        Map<String, ReplicaState> statesBefore = status().replicaStates();
        // The new leader's journal is its own: up to seq 7, of which its tenure's generation began after seq 5.
        GenerationHistory newLeaders = new GenerationHistory(0xB2, List.of(new EndedGeneration(0xC3, 5, false)));

        // Another history under the same epoch is no takeover: refused, nothing changed.
        TestSource stranger = track(new TestSource(gateway.address()));
        stranger.send(under(2).withGenerations(newLeaders, 7));
        stranger.awaitError(ErrorCode.UNRELATED);
        assertThat(status().appliedSeq()).isEqualTo(2);

        // Under a higher epoch: the replicas keep their image and states, take the new leader's history and continue
        // after seq 5, where its tenure began (nothing of an earlier tenure is shipped over them); no discard report.
        TestSource newLeader = connect(under(3).withGenerations(newLeaders, 7));
        assertThat(newLeader.lastHelloAck.resumeSeq()).isEqualTo(5);
        assertThat(newLeader.lastHelloAck.generations()).isEqualTo(newLeaders);
        assertThat(status().appliedSeq()).isEqualTo(5);
        assertThat(status().replicaStates()).isEqualTo(statesBefore);
        images.assertReplicasMatch(replicaDir());
        assertThat(HighestEpoch.open(replicaDir().resolve(ConsistencyGroupTarget.EPOCH_FILE)).highest()).isEqualTo(3);
        newLeader.send(images.batch(CG, 6, 6, Compression.NONE, List.of(data(6, 1, 0, images.random(4096)))));
        newLeader.awaitAck(AckScope.APPLIED, 6);
        images.assertReplicasMatch(replicaDir()); // the old leader's write at 8192 is still there
        newLeader.close();

        // The old leader's history under its old epoch is refused; the new leader's again under its epoch resumes.
        TestSource deposed = track(new TestSource(gateway.address()));
        deposed.send(under(2));
        deposed.awaitError(ErrorCode.STALE_EPOCH);
        assertThat(connect(under(3).withGenerations(newLeaders, 7)).lastHelloAck.resumeSeq()).isEqualTo(6);
    }
}
