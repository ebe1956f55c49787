package io.datamover.gateway.target;

import static io.datamover.gateway.target.Images.DISKS;
import static io.datamover.gateway.target.Images.data;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.coordination.HighestEpoch;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.Compression;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.Hello;
import java.util.List;
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
}
