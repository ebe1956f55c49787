package io.datamover.gateway.source;

import static io.datamover.gateway.source.TestTap.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.gateway.source.receiver.ReceiverMetrics;
import io.datamover.gateway.source.receiver.TapSessionHandler;
import io.datamover.gateway.source.ship.ShipperConfig;
import io.datamover.protocol.Ack;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.RepeatedWarnings;
import io.datamover.protocol.Role;
import io.datamover.protocol.WriteRecord;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.datamover.protocol.tls.AuthenticatedPeer;
import io.datamover.protocol.tls.HelloAuthorization;
import io.datamover.protocol.tls.PeerListener;
import io.datamover.protocol.tls.TestPeers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source gateway takes a tap only as its certificate allows: role tap, the HELLO's pair, the gateway's and the
 * group's pair, and the HELLO's consistency group. Real certificates of a test CA, the gateway's real handler and
 * group registry (real journals) on a loopback socket whose connections carry the peer the test chose.
 */
class TapAuthorizationTest {
    private static final String PAIR = "pair-a";
    private static final int CG = TestTap.CG;
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dataDir;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TestPeers peers = new TestPeers();
    private GroupRegistry groups;
    private PeerListener listener;

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.close();
        }
        if (groups != null) {
            groups.close();
        }
    }

    /** The gateway's groups and tap handler, serving {@code servedPair} (null: any pair). */
    private void start(String servedPair) throws Exception {
        SourceGatewayConfig config = SourceGatewayConfig.builder(new InetSocketAddress("127.0.0.1", 0), dataDir,
                ShipperConfig.builder("127.0.0.1", 1).build()).pairId(servedPair).build();
        groups = new GroupRegistry(config, registry, InstantSource.system());
        groups.openExisting();
        ReceiverMetrics metrics = new ReceiverMetrics(registry);
        HelloAuthorization authorization = new HelloAuthorization(Role.TAP, Optional.ofNullable(servedPair));
        listener = new PeerListener(() -> List.of(FrameDecoder.untilHandshake(config.frameLimits()),
                new FrameEncoder(), new TapSessionHandler("gw", authorization, groups, metrics,
                        InstantSource.system(), new RepeatedWarnings(InstantSource.system()))));
    }

    private TestTap connect(AuthenticatedPeer peer) throws InterruptedException {
        listener.nextPeer(peer);
        return new TestTap(listener.address());
    }

    private ErrorFrame refused(AuthenticatedPeer peer, Hello hello) throws Exception {
        try (TestTap tap = connect(peer)) {
            tap.send(hello);
            ErrorFrame error = tap.next(ErrorFrame.class);
            assertThat(tap.awaitClosed(WAIT)).as("closed after the ERROR").isTrue();
            return error;
        }
    }

    private TestTap accepted(AuthenticatedPeer peer, Hello hello, long resumeSeq) throws Exception {
        TestTap tap = connect(peer);
        tap.send(hello);
        assertThat(tap.next(HelloAck.class).resumeSeq()).isEqualTo(resumeSeq);
        return tap;
    }

    private static void writeAndAwaitDurable(TestTap tap, long first, long last) throws InterruptedException {
        for (long seq = first; seq <= last; seq++) {
            tap.send(record(seq, 4096));
        }
        while (tap.next(Ack.class).seq() < last) {
            // earlier acks
        }
    }

    private double refusals(ErrorCode code) {
        return registry.counter("datamover.source.receiver.errors", "code", code.name(), "origin", "local").count();
    }

    private List<String> groupDirectories() throws IOException {
        try (Stream<Path> list = Files.list(dataDir)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("cg-")).toList();
        }
    }

    private long journaledSeq() {
        return groups.groups().get(0).writer().journal().durableSeq();
    }

    private static Hello hello(Role role, String pair, int cg) {
        return Hello.of(role, "test-tap", pair, cg, "vm1", List.of(TestTap.DISK));
    }

    @Test
    void aTapIsRefusedUnlessItsCertificateIsATapOfThisPairNamingTheGroup() throws Exception {
        start(PAIR);
        List<ErrorFrame> errors = List.of(
                refused(peers.tap(PAIR, CG + 1), TestTap.hello(PAIR)),                         // another cg
                refused(peers.tap("pair-b", CG), TestTap.hello("pair-b")),                     // another pair
                refused(peers.tap(PAIR, CG), TestTap.hello("pair-b")),                         // HELLO's pair differs
                refused(peers.gateway(Role.TARGET_GATEWAY, PAIR), TestTap.hello(PAIR)),        // another role
                refused(peers.gateway(Role.SOURCE_GATEWAY, PAIR), TestTap.hello(PAIR)),        // another role
                refused(peers.tap(PAIR, CG), hello(Role.SOURCE_GATEWAY, PAIR, CG)),            // HELLO's role lies
                refused(null, TestTap.hello(PAIR)));                                           // no certificate

        assertThat(errors).allSatisfy(error -> {
            assertThat(error.code()).as(error.message()).isEqualTo(ErrorCode.UNAUTHORIZED);
            assertThat(error.message()).doesNotContain(PAIR);
        });
        assertThat(refusals(ErrorCode.UNAUTHORIZED)).isEqualTo(errors.size());
        assertThat(groupDirectories()).as("no group created").isEmpty();
        assertThat(groups.groups()).isEmpty();

        try (TestTap tap = accepted(peers.tap(PAIR, CG, CG + 1), TestTap.hello(PAIR), 0)) {
            writeAndAwaitDurable(tap, 1, 3);
        }
        assertThat(groupDirectories()).containsExactly("cg-" + CG);
        assertThat(journaledSeq()).isEqualTo(3);
    }

    @Test
    void anExistingGroupTakesOnlyACertificateOfItsPairAndTellsNoOtherPeerItsPair() throws Exception {
        start(null); // any pair: cg 7 is held for pair-a once its tap has written
        try (TestTap tap = accepted(peers.tap(PAIR, CG), TestTap.hello(PAIR), 0)) {
            writeAndAwaitDurable(tap, 1, 3);
        }

        ErrorFrame unauthorized = refused(peers.tap("pair-b", CG), TestTap.hello("pair-b"));
        assertThat(unauthorized.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(unauthorized.message()).doesNotContain(PAIR);
        assertThat(groups.statuses().get(0).lastTapError()).as("not the group's tap: not in its status").isNull();
        ErrorFrame plaintext = refused(AuthenticatedPeer.insecure(), TestTap.hello("pair-b"));
        assertThat(plaintext.code()).isEqualTo(ErrorCode.WRONG_PAIR);
        assertThat(plaintext.message()).doesNotContain(PAIR);

        assertThat(journaledSeq()).as("nothing written").isEqualTo(3);
        assertThat(groupDirectories()).containsExactly("cg-" + CG);
        // --insecure-plaintext keeps today's behaviour: the HELLO's pair is taken at its word.
        accepted(AuthenticatedPeer.insecure(), TestTap.hello(PAIR), 3).close();
    }

    @Test
    void recordsOfAnotherGroupAreRefusedOnATapsConnection() throws Exception {
        start(PAIR);
        try (TestTap tap = accepted(peers.tap(PAIR, CG, CG + 1), TestTap.hello(PAIR), 0)) {
            tap.send(new WriteRecord(CG + 1, 1, false,
                    BlockWrite.data(1, TestTap.DISK.id(), 0, Unpooled.wrappedBuffer(new byte[4096]))));
            assertThat(tap.next(ErrorFrame.class).code()).isEqualTo(ErrorCode.WRONG_PAIR);
            assertThat(tap.awaitClosed(WAIT)).isTrue();
        }
        assertThat(groupDirectories()).containsExactly("cg-" + CG);
        assertThat(journaledSeq()).isZero();
    }
}
