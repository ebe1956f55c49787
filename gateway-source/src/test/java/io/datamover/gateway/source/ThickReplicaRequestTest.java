package io.datamover.gateway.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.gateway.source.ship.ShipperConfig;
import io.datamover.gateway.source.ship.TestTarget;
import io.datamover.protocol.Ack;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.Feature;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tap whose disks are on NFS asks for thick replicas ({@link Feature#THICK_REPLICA}); its source gateway carries the
 * request on to the target, and keeps it with the group, so it still asks after a restart before the tap is back.
 */
class ThickReplicaRequestTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dataDir;

    private SourceGateway start(TestTarget target) throws Exception {
        return SourceGateway.start(SourceGatewayConfig.builder(new InetSocketAddress("127.0.0.1", 0), dataDir,
                ShipperConfig.builder("127.0.0.1", target.port()).build()).build(), new SimpleMeterRegistry(),
                InstantSource.system());
    }

    @Test
    void theTapsThickRequestReachesTheTargetAndOutlivesARestartOfTheSourceGateway() throws Exception {
        try (TestTarget target = TestTarget.start()) {
            try (SourceGateway gateway = start(target);
                    TestTap tap = new TestTap(gateway.address())) {
                tap.send(TestTap.hello("pair-a").requesting(Feature.THICK_REPLICA, true));
                assertThat(tap.next(HelloAck.class).resumeSeq()).isZero();
                tap.send(TestTap.record(1, 4096));
                assertThat(tap.next(Ack.class)).isEqualTo(new Ack(TestTap.CG, 1, AckScope.DURABLE));
                await().atMost(WAIT).until(() -> target.ackedSeq() >= 1);
            }
            int before = target.hellos().size();
            try (SourceGateway restarted = start(target)) { // no tap: the group ships from its journal alone
                await().atMost(WAIT).until(() -> target.hellos().size() > before);
            }
            List<Hello> hellos = target.hellos();
            assertThat(hellos).isNotEmpty().allSatisfy(h ->
                    assertThat(Feature.THICK_REPLICA.in(h.features())).as("thick request in %s", h).isTrue());
        }
    }

    @Test
    void aTapThatDoesNotAskLeavesTheTargetToItsConfiguration() throws Exception {
        try (TestTarget target = TestTarget.start();
                SourceGateway gateway = start(target);
                TestTap tap = new TestTap(gateway.address())) {
            tap.send(TestTap.hello("pair-a"));
            tap.next(HelloAck.class);
            await().atMost(WAIT).until(() -> !target.hellos().isEmpty());
            assertThat(Feature.THICK_REPLICA.in(target.hellos().getFirst().features())).isFalse();
        }
    }
}
