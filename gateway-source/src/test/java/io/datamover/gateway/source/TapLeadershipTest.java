package io.datamover.gateway.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.coordination.CoordinationSettings;
import io.datamover.coordination.EmbeddedZooKeeper;
import io.datamover.coordination.GroupLeadershipStatus;
import io.datamover.coordination.LeadershipRole;
import io.datamover.gateway.source.ship.ShipperConfig;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Feature;
import io.datamover.protocol.HelloAck;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two source gateways of one site on a real ZooKeeper server (docs/coordination.md, "A takeover between two source
 * gateways"): a gateway takes a tap only for a group it leads, and sends it on with NOT_LEADER when its tenure ends.
 */
class TapLeadershipTest {
    /** The fencing window is half of it: a leader cut off from ZooKeeper demotes itself after about a second. */
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    Path base;

    @Test
    void theLeaderTakesTheTapTheStandbyAnswersNotLeaderAndALeaderCutOffSendsItsTapOn() throws Exception {
        EmbeddedZooKeeper[] zookeeper = {EmbeddedZooKeeper.start(base.resolve("zookeeper"), 0)};
        String connect = zookeeper[0].connectString();
        try (SourceGateway leader = start("gateway-a", connect);
                SourceGateway standby = start("gateway-b", connect);
                TestTap tapAtLeader = new TestTap(leader.address());
                TestTap tapAtStandby = new TestTap(standby.address())) {
            tapAtLeader.send(TestTap.hello("pair"));
            assertThat(tapAtLeader.next(HelloAck.class).receiverId()).isEqualTo("gateway-a");

            // The standby opens the group and contends; the lock is the leader's: the tap is sent on at once.
            tapAtStandby.send(TestTap.hello("pair"));
            assertThat(tapAtStandby.next(ErrorFrame.class).code()).isEqualTo(ErrorCode.NOT_LEADER);
            assertThat(tapAtStandby.awaitClosed(Duration.ofSeconds(10))).isTrue();

            // Status at either gateway: who leads under which epoch, the standby, the leader's one takeover.
            CgIdentity group = leader.consistencyGroups().getFirst().identity();
            GroupLeadershipStatus atLeader = leader.leadership(group);
            assertThat(atLeader.role()).isEqualTo(LeadershipRole.LEADING);
            assertThat(atLeader.epoch()).isEqualTo(1);
            assertThat(atLeader.tenures()).isEqualTo(1);
            assertThat(atLeader.lastTakeover()).isPositive().isLessThanOrEqualTo(atLeader.lastWait());
            GroupLeadershipStatus atStandby = standby.leadership(group);
            assertThat(atStandby.role()).isEqualTo(LeadershipRole.STANDBY);
            assertThat(atStandby.tenures()).isZero();
            // The leader node and the standby's latch node are written in the background: wait for them.
            for (SourceGateway gateway : List.of(leader, standby)) {
                Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    GroupLeadershipStatus seen = gateway.leadership(group);
                    assertThat(seen.leader()).isEqualTo("gateway-a");
                    assertThat(seen.leaderEpoch()).isEqualTo(1);
                    assertThat(seen.standbys()).containsExactly("gateway-b");
                });
            }
            assertThat(standby.coordinationSession()).isEqualTo("CONNECTED");

            // ZooKeeper gone: the leader demotes itself at its fencing deadline and sends its tap on.
            zookeeper[0].close();
            assertThat(tapAtLeader.next(ErrorFrame.class).code()).isEqualTo(ErrorCode.NOT_LEADER);
            assertThat(tapAtLeader.awaitClosed(Duration.ofSeconds(10))).isTrue();
            // Back on the same port, so the gateways leave their site at once rather than retry a server that is gone.
            zookeeper[0] = EmbeddedZooKeeper.start(base.resolve("zookeeper"),
                    Integer.parseInt(connect.substring(connect.lastIndexOf(':') + 1)));
        } finally {
            zookeeper[0].close();
        }
    }

    @Test
    void aLeaderListeningOnAWildcardAddressIsNamedByItsAdvertisedAddressInTheStandbysRedirect() throws Exception {
        String advertised = "gateway-a.example:7000";
        try (EmbeddedZooKeeper zookeeper = EmbeddedZooKeeper.start(base.resolve("zookeeper"), 0);
                SourceGateway leader = start("gateway-a", zookeeper.connectString(),
                        new InetSocketAddress("0.0.0.0", 0), advertised);
                SourceGateway standby = start("gateway-b", zookeeper.connectString());
                TestTap tapAtLeader = new TestTap(new InetSocketAddress("127.0.0.1", leader.address().getPort()))) {
            tapAtLeader.send(TestTap.offeringTapRequests(TestTap.hello("pair")));
            HelloAck ack = tapAtLeader.next(HelloAck.class);
            assertThat(ack.receiverId()).isEqualTo("gateway-a");
            assertThat(Feature.LEADER_EPOCH.in(ack.features())).isTrue();
            assertThat(ack.epoch()).as("the epoch the leader leads under, for the tap's check").isEqualTo(1);

            // The leader publishes its node right after its election: ask the standby until it names a leader.
            String named = Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                try (TestTap tapAtStandby = new TestTap(standby.address())) {
                    tapAtStandby.send(TestTap.offeringTapRequests(TestTap.hello("pair")));
                    ErrorFrame refusal = tapAtStandby.next(ErrorFrame.class);
                    assertThat(refusal.code()).isEqualTo(ErrorCode.NOT_LEADER);
                    return refusal.leader();
                }
            }, leaderNamed -> !leaderNamed.isEmpty());
            assertThat(named).isEqualTo(advertised);
            assertThat(standby.leadership(leader.consistencyGroups().getFirst().identity()).leaderAddress())
                    .isEqualTo(advertised);
        }
    }

    private SourceGateway start(String id, String zookeeper) throws Exception {
        return start(id, zookeeper, new InetSocketAddress("127.0.0.1", 0), null);
    }

    private SourceGateway start(String id, String zookeeper, InetSocketAddress listen, String advertise)
            throws Exception {
        // No target here: the leader's shipper keeps trying port 1 with backoff, which the receiver does not notice.
        SourceGatewayConfig config = SourceGatewayConfig.builder(listen,
                        base.resolve(id), ShipperConfig.builder("127.0.0.1", 1).build())
                .gatewayId(id)
                .coordination(new CoordinationSettings(CoordinationSettings.Mode.ZOOKEEPER,
                        zookeeper, "site", SESSION_TIMEOUT, 0, advertise))
                .build();
        return SourceGateway.start(config, new SimpleMeterRegistry(), InstantSource.system());
    }
}
