package io.datamover.protocol.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.protocol.Role;
import io.datamover.protocol.netty.ListenerGuard;
import io.datamover.protocol.netty.ListenerLimits;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Mutual TLS on real loopback sockets with real certificates: a source gateway's listener (behind its
 * {@link ListenerGuard}) and taps dialing it. Whatever the TLS layer refuses is counted by reason, on the listener
 * and on the client; what it accepts reaches the session with the peer's {@link AuthenticatedPeer} already set.
 */
class TlsTransportTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path base;

    private TlsLab lab;
    private EventLoopGroup group;
    private final Map<String, AtomicInteger> listenerRefusals = new ConcurrentHashMap<>();
    private final Map<TlsRefusal, AtomicInteger> clientRefusals = new ConcurrentHashMap<>();
    /** What the server's session saw first on each connection: the peer set before the first byte, or null. */
    private final BlockingQueue<AuthenticatedPeer> serverSaw = new LinkedBlockingQueue<>();

    @BeforeEach
    void setUp() {
        lab = new TlsLab(base);
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void bothSidesProveTheirIdentityAndTheSessionSeesThePeerBeforeItsFirstByte(TlsProvider provider)
            throws Exception {
        if (provider == TlsProvider.OPENSSL) {
            assertThat(OpenSsl.isAvailable()).as("BoringSSL loads here: %s", OpenSsl.unavailabilityCause()).isTrue();
        }
        TlsContexts server = TlsLab.contexts(lab.files(TlsLab.gateway(Role.SOURCE_GATEWAY)), provider);
        TlsContexts tap = TlsLab.contexts(lab.files(TlsLab.tap()), provider);
        int port = listen(TransportSecurity.tls(server), ListenerLimits.DEFAULT);

        Client client = dial(TransportSecurity.tls(tap), port, Role.SOURCE_GATEWAY, TlsLab.PAIR);

        assertThat(client.echo("hello")).isEqualTo("hello");
        AuthenticatedPeer seenByServer = serverSaw.poll(20, TimeUnit.SECONDS);
        assertThat(seenByServer).isNotNull();
        assertThat(seenByServer.identity()).isEqualTo(TlsLab.tap());
        assertThat(seenByServer.subject()).contains("CN=tap pair-a");
        assertThat(AuthenticatedPeer.of(client.channel).identity()).isEqualTo(TlsLab.gateway(Role.SOURCE_GATEWAY));
        assertThat(client.channel.pipeline().get(SslHandler.class).engine().getSession().getProtocol())
                .isEqualTo("TLSv1.3");
        assertThat(listenerRefusals).isEmpty();
        assertThat(clientRefusals).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void aClientRefusesAServerWhoseCertificateDoesNotNameTheHostItDials(TlsProvider provider) throws Exception {
        int port = listen(TransportSecurity.tls(TlsLab.contexts(lab.files(TlsLab.gateway(Role.SOURCE_GATEWAY),
                List.of("elsewhere.example", "10.9.9.9")), provider)), ListenerLimits.DEFAULT);
        TlsContexts tap = TlsLab.contexts(lab.files(TlsLab.tap()), provider);

        assertThat(dialRefused(TransportSecurity.tls(tap), port, Role.SOURCE_GATEWAY, TlsLab.PAIR).active)
                .as("the session (its HELLO) never started").isFalse();

        awaitClientRefused(TlsRefusal.HANDSHAKE);
        assertThat(serverSaw).isEmpty();
    }

    @Test
    void aPeerWithoutACertificateIsRefusedInTheHandshake() throws Exception {
        int port = listenAsSourceGateway();
        // A client that trusts the CA but has no certificate of its own.
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", lab.ca.certificate());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(null, trust.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory()
                .createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.startHandshake(); // TLS 1.3: the client's (empty) certificate is judged after its Finished
            socket.getOutputStream().write('x');
            socket.getOutputStream().flush();
            assertThat(readsUntilClosed(socket)).isTrue();
        } catch (IOException e) {
            // refused during the handshake itself (SSLException), or the listener closed the connection before the
            // write (broken pipe, reset): as good; the listener's count below says why it was closed
        }
        awaitListenerRefused(TlsRefusal.HANDSHAKE);
        assertThat(serverSaw).isEmpty();
    }

    @Test
    void aCertificateOfAnotherCaIsRefusedOnBothSides() throws Exception {
        TlsContexts stranger = TlsLab.contexts(new TlsLab(base.resolve("other")).files(TlsLab.tap()), TlsProvider.JDK);

        assertRefusedInTheHandshakeByBothSides(stranger);
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        // Issued ten days ago for a day; loaded as of then, so only the peer's check can refuse it.
        Clock tenDaysAgo = Clock.fixed(Instant.now().minus(Duration.ofDays(10)), ZoneOffset.UTC);
        TlsContexts expired = TlsContexts.load(lab.files(TlsLab.tap(), TlsLab.DAY, tenDaysAgo), TlsProvider.JDK,
                tenDaysAgo);

        assertRefusedInTheHandshakeByBothSides(expired);
    }

    /**
     * A tap with {@code tap}'s certificate dials a source gateway: the listener refuses it in the handshake, and the
     * tap counts it too (when the server refuses, TLS 1.3 tells the client with an alert after its own side of the
     * handshake); nothing reaches the server's session.
     */
    private void assertRefusedInTheHandshakeByBothSides(TlsContexts tap) throws Exception {
        int port = listenAsSourceGateway();

        dialRefused(TransportSecurity.tls(tap), port, Role.SOURCE_GATEWAY, TlsLab.PAIR);

        awaitListenerRefused(TlsRefusal.HANDSHAKE);
        awaitClientRefused(TlsRefusal.HANDSHAKE);
        assertThat(serverSaw).isEmpty();
    }

    @Test
    void aClientRefusesAServerCertificateOfAnotherRoleOrPair() throws Exception {
        TlsContexts tap = TlsLab.contexts(lab.files(TlsLab.tap()), TlsProvider.JDK);
        // A target gateway's certificate where a tap expects a source gateway; then a source gateway of another pair.
        int targetPort = listen(TransportSecurity.tls(
                TlsLab.contexts(lab.files(TlsLab.gateway(Role.TARGET_GATEWAY)), TlsProvider.JDK)),
                ListenerLimits.DEFAULT);
        int otherPairPort = listen(TransportSecurity.tls(TlsLab.contexts(lab.files(
                PeerIdentity.gateway(Role.SOURCE_GATEWAY, "pair-b")), TlsProvider.JDK)), ListenerLimits.DEFAULT);

        assertThat(dialRefused(TransportSecurity.tls(tap), targetPort, Role.SOURCE_GATEWAY, TlsLab.PAIR).active)
                .as("the session (its HELLO) never started").isFalse();
        assertThat(dialRefused(TransportSecurity.tls(tap), otherPairPort, Role.SOURCE_GATEWAY, TlsLab.PAIR).active)
                .as("the session (its HELLO) never started").isFalse();

        await().atMost(WAIT).until(() -> count(clientRefusals, TlsRefusal.IDENTITY) == 2);
        assertThat(clientRefusals.keySet()).containsOnly(TlsRefusal.IDENTITY);
    }

    @Test
    void aPlaintextPeerIsRefusedWithALogLineNamingItsAddress() throws Exception {
        int port = listenAsSourceGateway();
        PrintStream err = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        String peer;
        try (Socket socket = new Socket("127.0.0.1", port)) {
            peer = socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("DMOV a plaintext HELLO, not a TLS record".getBytes(StandardCharsets.UTF_8));
            assertThat(readsUntilClosed(socket)).as("closed by the listener").isTrue();
            awaitListenerRefused(TlsRefusal.PLAINTEXT);
        } finally {
            System.setErr(err);
        }
        String logged = log.toString(StandardCharsets.UTF_8);
        assertThat(logged).contains("plaintext").contains(peer);
        assertThat(serverSaw).isEmpty();
    }

    @Test
    void aHandshakeThatDoesNotFinishInTimeIsRefusedAndHoldsAnUnfinishedHandshakeSlotMeanwhile() throws Exception {
        ListenerGuard guard = guard(new ListenerLimits(8, 1, 60_000));
        TransportSecurity server = TransportSecurity.tls(
                TlsLab.contexts(lab.files(TlsLab.gateway(Role.SOURCE_GATEWAY)), TlsProvider.JDK));
        int port = listen(server, guard, 500);
        try (Socket silent = new Socket("127.0.0.1", port)) {
            silent.setSoTimeout(10_000);
            await().atMost(WAIT).until(() -> guard.handshakes() == 1);
            // The only handshake slot is taken: a second connection is closed at accept.
            try (Socket second = new Socket("127.0.0.1", port)) {
                second.setSoTimeout(10_000);
                assertThat(readsUntilClosed(second)).isTrue();
            }
            assertThat(readsUntilClosed(silent)).as("closed at the TLS handshake timeout").isTrue();
        }
        awaitListenerRefused(TlsRefusal.HANDSHAKE_TIMEOUT);
        assertThat(count(listenerRefusals, "handshakes")).isEqualTo(1);
        await().atMost(WAIT).until(() -> guard.handshakes() == 0 && guard.connections() == 0);
    }

    @Test
    void aReloadServesTheNewCertificateToNewConnectionsWhileTheOpenOneKeepsGoing() throws Exception {
        TlsFiles files = lab.files(TlsLab.gateway(Role.SOURCE_GATEWAY));
        TlsContexts server = TlsLab.contexts(files, TlsProvider.JDK);
        TlsContexts tap = TlsLab.contexts(lab.files(TlsLab.tap()), TlsProvider.JDK);
        int port = listen(TransportSecurity.tls(server), ListenerLimits.DEFAULT);
        Client before = dial(TransportSecurity.tls(tap), port, Role.SOURCE_GATEWAY, TlsLab.PAIR);
        assertThat(before.echo("one")).isEqualTo("one");
        BigInteger oldSerial = before.serverCertificate().getSerialNumber();
        assertThat(server.reloadIfChanged()).as("nothing changed yet").isFalse();

        lab.write(files.dir(), TlsLab.gateway(Role.SOURCE_GATEWAY), TlsLab.DAY, Clock.systemUTC());
        assertThat(server.reloadIfChanged()).as("the poll sees the new files").isTrue();

        Client after = dial(TransportSecurity.tls(tap), port, Role.SOURCE_GATEWAY, TlsLab.PAIR);
        assertThat(after.echo("two")).isEqualTo("two");
        BigInteger newSerial = after.serverCertificate().getSerialNumber();
        assertThat(newSerial).isEqualTo(server.material().certificate().getSerialNumber()).isNotEqualTo(oldSerial);
        assertThat(before.echo("still here")).isEqualTo("still here");
        assertThat(before.serverCertificate().getSerialNumber()).isEqualTo(oldSerial);
        assertThat(server.reloads()).isEqualTo(1);
    }

    // ---- harness: a listener that echoes, a client that sends lines and reads them back

    /** A source gateway's listener with a certificate of the lab's CA, the JDK provider and default limits. */
    private int listenAsSourceGateway() throws Exception {
        return listen(TransportSecurity.tls(TlsLab.contexts(lab.files(TlsLab.gateway(Role.SOURCE_GATEWAY)),
                TlsProvider.JDK)), ListenerLimits.DEFAULT);
    }

    private int listen(TransportSecurity security, ListenerLimits limits) throws InterruptedException {
        return listen(security, guard(limits), limits.helloTimeoutMs());
    }

    /** Many records, split across reads as the socket delivers them: every byte comes back, in order. */
    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void aStreamOfManyRecordsArrivesWholeAndInOrder(TlsProvider provider) throws Exception {
        TlsContexts server = TlsLab.contexts(lab.files(TlsLab.gateway(Role.SOURCE_GATEWAY)), provider);
        TlsContexts tap = TlsLab.contexts(lab.files(TlsLab.tap()), provider);
        int port = listen(TransportSecurity.tls(server), ListenerLimits.DEFAULT);
        Client client = dial(TransportSecurity.tls(tap), port, Role.SOURCE_GATEWAY, TlsLab.PAIR);
        SplittableRandom random = new SplittableRandom(15);
        StringBuilder text = new StringBuilder();
        while (text.length() < 3 << 20) { // about 190 records of 16 KiB
            text.append((char) ('a' + random.nextInt(26)));
        }

        assertThat(client.echo(text.toString())).isEqualTo(text.toString());
    }

    private ListenerGuard guard(ListenerLimits limits) {
        return new ListenerGuard("test", limits,
                reason -> listenerRefusals.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet());
    }

    private int listen(TransportSecurity security, ListenerGuard guard, long handshakeTimeoutMs)
            throws InterruptedException {
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(guard.newHandler());
                        security.secureServer(ch, handshakeTimeoutMs, guard.tlsRefusals());
                        ch.pipeline().addLast(new Echo());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Echoes what it reads; notes the peer it saw with the first bytes. */
    private final class Echo extends ChannelInboundHandlerAdapter {
        private boolean first = true;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (first) {
                first = false;
                AuthenticatedPeer peer = AuthenticatedPeer.of(ctx.channel());
                serverSaw.add(peer != null ? peer : new AuthenticatedPeer("NOT SET", null));
            }
            ctx.writeAndFlush(msg);
        }
    }

    private Client dial(TransportSecurity security, int port, Role role, String pair) throws InterruptedException {
        Client client = connect(security, port, role, pair);
        await().atMost(WAIT).until(() -> client.active || !client.channel.isOpen());
        assertThat(client.active).as("the session started (TLS done); refusals %s", clientRefusals).isTrue();
        return client;
    }

    /** Dials and waits for the connection to be closed. */
    private Client dialRefused(TransportSecurity security, int port, Role role, String pair)
            throws InterruptedException {
        Client client = connect(security, port, role, pair);
        client.channel.closeFuture().await(WAIT.toMillis());
        assertThat(client.channel.isOpen()).isFalse();
        return client;
    }

    private Client connect(TransportSecurity security, int port, Role role, String pair) throws InterruptedException {
        Client client = new Client();
        TlsRefusal.Listener refusals = TlsRefusal.loggedAndCounted("test client",
                reason -> clientRefusals.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet());
        client.channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        security.secureClient(ch, "127.0.0.1", port, role, pair, 10_000, refusals);
                        ch.pipeline().addLast(client);
                    }
                }).connect("127.0.0.1", port).sync().channel();
        return client;
    }

    private static final class Client extends ChannelInboundHandlerAdapter {
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private volatile boolean active;
        private Channel channel;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            active = true;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                lines.add(((ByteBuf) msg).toString(StandardCharsets.UTF_8));
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        String echo(String text) throws InterruptedException {
            channel.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
            StringBuilder got = new StringBuilder();
            while (got.length() < text.length()) {
                String part = lines.poll(20, TimeUnit.SECONDS);
                if (part == null) {
                    break;
                }
                got.append(part);
            }
            return got.toString();
        }

        X509Certificate serverCertificate() throws Exception {
            return (X509Certificate) channel.pipeline().get(SslHandler.class).engine().getSession()
                    .getPeerCertificates()[0];
        }
    }

    private void awaitListenerRefused(TlsRefusal reason) {
        await().atMost(WAIT).until(() -> count(listenerRefusals, reason.tag()) >= 1);
    }

    private void awaitClientRefused(TlsRefusal reason) {
        await().atMost(WAIT).until(() -> count(clientRefusals, reason) >= 1);
    }

    private static <K> int count(Map<K, AtomicInteger> counts, K key) {
        AtomicInteger n = counts.get(key);
        return n == null ? 0 : n.get();
    }

    /** Whether the peer closes {@code socket} (its read ends or resets) before the socket's timeout. */
    private static boolean readsUntilClosed(Socket socket) {
        try {
            while (socket.getInputStream().read() >= 0) {
                // TLS alerts or nothing: read until the end
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }
}
