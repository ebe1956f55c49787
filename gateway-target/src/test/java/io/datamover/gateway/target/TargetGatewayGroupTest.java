package io.datamover.gateway.target;

import static io.datamover.gateway.target.Images.DISKS;
import static io.datamover.gateway.target.Images.data;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.coordination.CoordinationSettings;
import io.datamover.coordination.EmbeddedZooKeeper;
import io.datamover.coordination.HighestEpoch;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.Compression;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.Feature;
import io.datamover.protocol.Hello;
import io.datamover.protocol.ProtocolException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Two target gateways of one recovery site on a real ZooKeeper server, on one replica directory (shared storage),
 * each with its own data directory (docs/coordination.md, "The recovery site's gateway group"): the one that leads the
 * group applies it, the other sends the source on with NOT_LEADER naming the leader; when the leader stops, the other
 * leads under a higher epoch, records it in the replica set's directory, and resumes from the replicas' applied seq; a
 * tenure under the older epoch may write nothing more.
 */
class TargetGatewayGroupTest extends TargetGatewayFixture {
    private static final Duration SESSION = Duration.ofSeconds(4);

    private static Hello redirectable() {
        return TestSource.hello(PAIR, CG, DISKS).requesting(Feature.REDIRECT, true);
    }

    @Test
    void theLeaderAppliesTheStandbyRedirectsAndTheStandbyTakesOverFromTheAppliedSeqUnderAHigherEpoch()
            throws Exception {
        try (EmbeddedZooKeeper zookeeper = EmbeddedZooKeeper.start(tmp.resolve("zookeeper"), 0)) {
            CoordinationSettings site = new CoordinationSettings(CoordinationSettings.Mode.ZOOKEEPER,
                    zookeeper.connectString(), "recovery", SESSION);
            int leaderPort = freePort();
            start(b -> b.coordination(site).receiverId("target-a").listen("127.0.0.1", leaderPort));
            SimpleMeterRegistry standbyMeters = new SimpleMeterRegistry();
            try (TargetGateway standby = TargetGateway.start(TargetGatewayConfig.builder(tmp.resolve("data-b"),
                    tmp.resolve("replicas")).listen("127.0.0.1", 0).coordination(site).receiverId("target-b").build(),
                    standbyMeters)) {
                TestSource source = connect(redirectable());
                source.send(images.batch(CG, 1, 1, Compression.NONE, List.of(data(1, 1, 0, images.random(4096)))));
                source.awaitAck(AckScope.APPLIED, 1);
                assertThat(targetEpoch()).as("the tenure's epoch, recorded before the group opened").isEqualTo(1);

                TestSource sentOn = track(new TestSource(standby.address()));
                sentOn.send(redirectable());
                assertThat(sentOn.awaitError(ErrorCode.NOT_LEADER).leader()).isEqualTo("127.0.0.1:" + leaderPort);
                assertThat(standbyMeters.get("datamover.coordination.leading").tag("cg", Integer.toString(CG))
                        .gauge().value()).isZero();

                source.close();
                gateway.close(); // the leader stops: its lock goes, the standby's latch takes it
                gateway = null;
                TestSource resumed = track(TestSource.handshaken(standby.address(), redirectable()));
                assertThat(resumed.lastHelloAck.resumeSeq()).as("the replicas' applied seq").isEqualTo(1);
                assertThat(targetEpoch()).isEqualTo(2);
                resumed.send(images.batch(CG, 2, 2, Compression.NONE, List.of(data(2, 2, 0, images.random(8192)))));
                resumed.awaitAck(AckScope.APPLIED, 2);
                images.assertReplicasMatch(replicaDir());

                assertThatThrownBy(() -> TenureFence.begin(CG, 1, replicaDir(), cg -> OptionalLong.of(1)))
                        .as("a deposed leader's tenure may not begin again").isInstanceOf(ProtocolException.class)
                        .hasMessageContaining("records target epoch 2");
            }
        }
    }

    @Test
    void aTenureStopsWritingOnceItsLeadershipEndsOrAHigherEpochIsRecorded() throws Exception {
        long[] leading = {3};
        TenureFence tenure = TenureFence.begin(CG, 3, replicaDir(), cg -> leading[0] < 0 ? OptionalLong.empty()
                : OptionalLong.of(leading[0]));
        tenure.check();
        leading[0] = -1; // demoted: its fencing deadline passed, or its lock is gone
        assertThatThrownBy(tenure::check).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("no longer leads the group under epoch 3");
        leading[0] = 3;
        TenureFence.begin(CG, 4, replicaDir(), cg -> OptionalLong.of(4)); // another gateway took the group over
        assertThatThrownBy(tenure::check).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("records target epoch 4");
    }

    private long targetEpoch() throws Exception {
        return HighestEpoch.open(replicaDir().resolve(TenureFence.TARGET_EPOCH_FILE)).highest();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }
}
