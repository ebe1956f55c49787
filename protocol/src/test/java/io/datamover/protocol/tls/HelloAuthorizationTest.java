package io.datamover.protocol.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Hello;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.Role;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rules of {@link HelloAuthorization}, with peers read from real certificates; the handlers' tests run them. */
class HelloAuthorizationTest {
    private static final String PAIR = "pair-a";
    private static final List<DiskInfo> DISKS = List.of(new DiskInfo(0, "disk0", 1 << 20, 4096));

    private final TestPeers peers = new TestPeers();
    private final HelloAuthorization taps = new HelloAuthorization(Role.TAP, Optional.of(PAIR));

    private static Hello hello(Role role, String pair, int cg) {
        return Hello.of(role, "peer-1", pair, cg, "vm", DISKS);
    }

    private static EmbeddedChannel channelOf(AuthenticatedPeer peer) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.attr(AuthenticatedPeer.KEY).set(peer);
        return channel;
    }

    private void assertRefused(HelloAuthorization authorization, AuthenticatedPeer peer, Hello hello, String why) {
        assertThatThrownBy(() -> authorization.authorize(channelOf(peer), hello))
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
                    assertThat(ErrorFrame.of(e).message()).doesNotContain(PAIR).doesNotContain("pair-b");
                    assertThat(e.localDetail()).contains(why);
                    assertThat(e.logMessage()).contains(peer == null ? "(none)" : peer.subject());
                });
    }

    @Test
    void theCertificateDecidesNotTheHello() throws Exception {
        assertThat(taps.authorize(channelOf(peers.tap(PAIR, 7)), hello(Role.TAP, PAIR, 7)).subject())
                .isEqualTo("CN=tap pair-a,O=datamover");

        assertRefused(taps, peers.tap(PAIR, 8), hello(Role.TAP, PAIR, 7), "allows [8]");
        assertRefused(taps, peers.tap("pair-b", 7), hello(Role.TAP, "pair-b", 7), "this gateway serves pair 'pair-a'");
        assertRefused(taps, peers.tap(PAIR, 7), hello(Role.TAP, "pair-b", 7), "its HELLO names pair 'pair-b'");
        assertRefused(taps, peers.gateway(Role.SOURCE_GATEWAY, PAIR), hello(Role.TAP, PAIR, 7), "source-gateway's");
        assertRefused(taps, peers.tap(PAIR, 7), hello(Role.SOURCE_GATEWAY, PAIR, 7), "claims role source-gateway");
        assertRefused(taps, null, hello(Role.TAP, PAIR, 7), "no TLS handshake");

        HelloAuthorization sources = new HelloAuthorization(Role.SOURCE_GATEWAY, Optional.empty());
        assertRefused(sources, peers.tap(PAIR, 7), hello(Role.SOURCE_GATEWAY, PAIR, 7), "this listener takes");
        assertRefused(sources, peers.gateway(Role.TARGET_GATEWAY, PAIR), hello(Role.SOURCE_GATEWAY, PAIR, 7),
                "target-gateway's");
        HelloAuthorization.Grant any = sources.authorize(channelOf(peers.gateway(Role.SOURCE_GATEWAY, "pair-b")),
                hello(Role.SOURCE_GATEWAY, "pair-b", 7));
        any.requireGroupPair(7, "pair-b");
        assertThatThrownBy(() -> any.requireGroupPair(7, PAIR)).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(ErrorFrame.of(e).message()).doesNotContain(PAIR));
    }

    @Test
    void underTlsAGatewayServesOnlyThePairOfItsOwnCertificate(@TempDir Path dir) throws Exception {
        TransportSecurity ownCertificate = LabCertificates.transport(LabCertificates.create(dir, PAIR, List.of(7),
                LabCertificates.LOOPBACK), Role.TARGET_GATEWAY);
        HelloAuthorization sources = new HelloAuthorization(Role.SOURCE_GATEWAY, Optional.empty(), ownCertificate);

        // A stranger with a certificate of another pair from the same CA, asking for a group of its own (no --pair).
        assertRefused(sources, peers.gateway(Role.SOURCE_GATEWAY, "pair-b"), hello(Role.SOURCE_GATEWAY, "pair-b", 9),
                "this gateway's certificate is for pair 'pair-a'");
        assertThat(sources.authorize(channelOf(peers.gateway(Role.SOURCE_GATEWAY, PAIR)),
                hello(Role.SOURCE_GATEWAY, PAIR, 9)).subject()).isEqualTo("CN=source-gateway pair-a,O=datamover");
    }

    @Test
    void anInsecurePlaintextConnectionIsTakenAtItsWord() throws Exception {
        HelloAuthorization.Grant grant = taps.authorize(channelOf(AuthenticatedPeer.insecure()),
                hello(Role.SOURCE_GATEWAY, "pair-b", 9));
        grant.requireGroupPair(9, "pair-c");
    }
}
