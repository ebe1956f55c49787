package io.datamover.gateway.target;

import static io.datamover.gateway.target.Images.DISKS;
import static io.datamover.gateway.target.Images.data;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.AckScope;
import io.datamover.protocol.Compression;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.Role;
import io.datamover.protocol.netty.FrameDecoder;
import io.datamover.protocol.netty.FrameEncoder;
import io.datamover.protocol.tls.AuthenticatedPeer;
import io.datamover.protocol.tls.PeerListener;
import io.datamover.protocol.tls.TestPeers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The target gateway takes batches, and creates a replica group, only from a source gateway's certificate of the
 * group's pair. Real certificates of a test CA; the running gateway's own session handler and groups, on a loopback
 * listener whose connections carry the peer the test chose (as the TLS layer sets it).
 */
class SourceAuthorizationTest extends TargetGatewayFixture {
    private final TestPeers peers = new TestPeers();
    private PeerListener listener;

    @AfterEach
    void closeListener() {
        if (listener != null) {
            listener.close();
        }
    }

    private void listen() throws InterruptedException {
        listener = new PeerListener(() -> List.of(FrameDecoder.untilHandshake(FrameLimits.DEFAULT), new FrameEncoder(),
                gateway.newSession()));
    }

    private TestSource connectAs(AuthenticatedPeer peer) throws InterruptedException {
        listener.nextPeer(peer);
        return track(new TestSource(listener.address()));
    }

    private ErrorFrame refused(AuthenticatedPeer peer, Hello hello) throws Exception {
        TestSource source = connectAs(peer);
        source.send(hello);
        ErrorFrame error = source.awaitError(ErrorCode.UNAUTHORIZED);
        assertThat(error.message()).as("nothing about this side's pair").doesNotContain(PAIR);
        return error;
    }

    /** A source with the right certificate: handshakes, then has seq {@code seq} applied. */
    private TestSource applies(long resumeSeq, long seq) throws Exception {
        TestSource source = connectAs(peers.gateway(Role.SOURCE_GATEWAY, PAIR));
        source.send(TestSource.hello(PAIR, CG, DISKS));
        assertThat(source.next(HelloAck.class).resumeSeq()).isEqualTo(resumeSeq);
        source.send(images.batch(CG, seq, seq, Compression.NONE,
                List.of(data(seq, DISKS.get(0).id(), 0, images.random(4096)))));
        source.awaitAck(AckScope.APPLIED, seq);
        return source;
    }

    private double unauthorized() {
        return registry.counter("datamover.target.rejected", "code", ErrorCode.UNAUTHORIZED.name()).count();
    }

    private Map<String, String> replicaSha256() throws Exception {
        Map<String, String> sums = new TreeMap<>();
        try (Stream<Path> files = Files.list(replicaDir())) {
            for (Path file : files.filter(f -> f.toString().endsWith(".img")).toList()) {
                sums.put(file.getFileName().toString(), HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
            }
        }
        return sums;
    }

    @Test
    void aGroupIsCreatedOnlyForASourceGatewayCertificateOfThePair() throws Exception {
        start(b -> b.pairId(PAIR));
        listen();
        Hello hello = TestSource.hello(PAIR, CG, DISKS);

        refused(peers.tap(PAIR, CG), hello);                                                 // a tap's certificate
        refused(peers.gateway(Role.TARGET_GATEWAY, PAIR), hello);                           // another role
        refused(peers.gateway(Role.SOURCE_GATEWAY, "pair-b"), TestSource.hello("pair-b", CG, DISKS)); // another pair
        refused(peers.gateway(Role.SOURCE_GATEWAY, PAIR), TestSource.hello("pair-b", CG, DISKS));     // HELLO lies
        refused(peers.gateway(Role.SOURCE_GATEWAY, PAIR), Hello.of(Role.TAP, "t", PAIR, CG, "vm", DISKS)); // role lies
        refused(null, hello);                                                                // no certificate

        assertThat(unauthorized()).isEqualTo(6);
        assertThat(gateway.consistencyGroups()).as("no group created").isEmpty();
        assertThat(replicaDir()).doesNotExist();
        assertThat(tmp.resolve("data").resolve("cg-" + CG)).doesNotExist();

        applies(0, 1);
        images.assertReplicasMatch(replicaDir());
    }

    @Test
    void anExistingGroupTakesBatchesOnlyFromACertificateOfItsPair() throws Exception {
        start(); // any pair: cg 7 is held for pair-a once its source has connected
        listen();
        applies(0, 1).close();
        Map<String, String> before = replicaSha256();

        ErrorFrame error = refused(peers.gateway(Role.SOURCE_GATEWAY, "pair-b"), TestSource.hello("pair-b", CG, DISKS));
        assertThat(error.message()).doesNotContain(PAIR);

        assertThat(unauthorized()).isEqualTo(1);
        assertThat(replicaSha256()).as("replicas unchanged").isEqualTo(before).isNotEmpty();
        assertThat(status().heldSeq()).isEqualTo(1);
        assertThat(status().pairId()).isEqualTo(PAIR);
        applies(1, 2);
        images.assertReplicasMatch(replicaDir());
    }
}
