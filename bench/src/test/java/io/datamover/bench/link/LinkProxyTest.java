package io.datamover.bench.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The emulated link on real loopback sockets, with an echo peer behind it: bytes arrive intact and in order, no
 * sooner than the latency, no faster than the bandwidth, and not at all while the link is down. Behavioural bounds,
 * not timings of the proxy.
 */
class LinkProxyTest {
    private ServerSocket echo;
    private LinkProxy link;

    @BeforeEach
    void startEchoPeer() throws IOException {
        echo = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("echo-peer").start(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread.ofPlatform().daemon().start(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (IOException e) {
                            // the proxy closed it: an outage or the end of a test
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    @AfterEach
    void stop() throws IOException {
        if (link != null) {
            link.close();
        }
        echo.close();
    }

    @Test
    void aRoundTripTakesAtLeastTwiceTheOneWayLatency() throws Exception {
        link = LinkProxy.start(peer(), new LinkSpec(0, Duration.ofMillis(60), List.of()));
        try (Socket s = connect()) {
            long start = System.nanoTime();
            s.getOutputStream().write(42);
            assertThat(s.getInputStream().read()).isEqualTo(42);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(120));
        }
    }

    @Test
    void bytesPassIntactInOrderAndNoFasterThanTheBandwidth() throws Exception {
        // 4 Mbit/s: 500 kB/s each way, so a megabyte cannot come back in much under two seconds.
        link = LinkProxy.start(peer(), new LinkSpec(4_000_000, Duration.ofMillis(2), List.of()));
        byte[] sent = new byte[1_000_000];
        new Random(7).nextBytes(sent);
        long start = System.nanoTime();
        byte[] back = echo(sent);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(back).isEqualTo(sent);
        assertThat(sent.length / seconds).as("bytes per second through the link").isLessThan(500_000 * 1.25);
        assertThat(link.upstreamBytes()).isEqualTo(sent.length);
        assertThat(link.downstreamBytes()).isEqualTo(sent.length);
    }

    @Test
    void aDisconnectOutageClosesConnectionsAndRefusesNewOnesUntilItEnds() throws Exception {
        link = LinkProxy.start(peer(), LinkSpec.unlimited());
        try (Socket before = connect()) {
            roundTrip(before);
            outageNow(Duration.ofMillis(800), LinkSpec.Outage.Kind.DISCONNECT);
            assertThat(before.getInputStream().read()).as("the open connection is closed").isEqualTo(-1);
            try (Socket during = connect()) {
                assertThatThrownBy(() -> {
                    during.getOutputStream().write(1);
                    if (during.getInputStream().read() == -1) {
                        throw new SocketException("closed");
                    }
                }).as("a connection during the outage is closed at once").isInstanceOf(IOException.class);
            }
        }
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(this::echoesOnANewConnection);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not before the outage ended")
                .isGreaterThanOrEqualTo(Duration.ofMillis(500));
    }

    @Test
    void aStallHoldsBytesUntilItEndsAndKeepsTheConnection() throws Exception {
        link = LinkProxy.start(peer(), LinkSpec.unlimited());
        try (Socket s = connect()) {
            roundTrip(s);
            long start = System.nanoTime();
            outageNow(Duration.ofMillis(700), LinkSpec.Outage.Kind.STALL);
            await().atMost(Duration.ofSeconds(1)).until(link::isDown);
            s.getOutputStream().write(new byte[] {1, 2, 3});
            InputStream in = s.getInputStream();
            assertThat(in.readNBytes(3)).containsExactly(1, 2, 3);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
            roundTrip(s);
        }
    }

    @Test
    void anOutageEndedEarlyLetsBytesThroughAtOnce() throws Exception {
        link = LinkProxy.start(peer(), LinkSpec.unlimited());
        try (Socket s = connect()) {
            roundTrip(s);
            outageNow(Duration.ofSeconds(60), LinkSpec.Outage.Kind.STALL);
            await().atMost(Duration.ofSeconds(1)).until(link::isDown);
            s.getOutputStream().write(9);
            link.endOutage();
            assertThat(link.isDown()).isFalse();
            assertThat(s.getInputStream().read()).as("well before the 60 s stall's end").isEqualTo(9);
        }
    }

    @Test
    void aCorruptionFlipsSeededBytesInOneDirectionUpToItsBound() throws Exception {
        link = LinkProxy.start(peer(), LinkSpec.unlimited());
        byte[] sent = new byte[200_000];
        new Random(3).nextBytes(sent);
        link.corrupt(new LinkSpec.Corruption(LinkSpec.Direction.UPSTREAM, Duration.ofSeconds(30), 10_000, 4, 99));
        List<Integer> first = damagedOffsets(sent, echo(sent));
        assertThat(first).as("offsets flipped on the way up").hasSize(4);
        assertThat(link.upstreamBytesCorrupted()).isEqualTo(4);
        assertThat(link.downstreamBytesCorrupted()).isZero();
        assertThat(echo(sent)).as("the bound is spent: intact again").isEqualTo(sent);

        link.corrupt(new LinkSpec.Corruption(LinkSpec.Direction.UPSTREAM, Duration.ofSeconds(30), 10_000, 4, 99));
        assertThat(damagedOffsets(sent, echo(sent))).as("the same seed damages the same offsets").isEqualTo(first);
    }

    @Test
    void aCorruptionTowardTheClientsEndsWithItsLength() throws Exception {
        link = LinkProxy.start(peer(), LinkSpec.unlimited());
        byte[] sent = new byte[100_000];
        new Random(4).nextBytes(sent);
        link.corrupt(new LinkSpec.Corruption(LinkSpec.Direction.DOWNSTREAM, Duration.ofMillis(300), 1_000, 1_000_000,
                5));
        assertThat(damagedOffsets(sent, echo(sent))).isNotEmpty();
        assertThat(link.upstreamBytesCorrupted()).isZero();
        assertThat(link.downstreamBytesCorrupted()).isPositive();
        await().atMost(Duration.ofSeconds(5)).until(() -> java.util.Arrays.equals(echo(sent), sent));
        long flipped = link.downstreamBytesCorrupted();
        assertThat(echo(sent)).as("after the corruption's length").isEqualTo(sent);
        assertThat(link.downstreamBytesCorrupted()).isEqualTo(flipped);
    }

    /** Sends {@code sent} through the link to the echo peer on a new connection; what comes back. */
    private byte[] echo(byte[] sent) throws Exception {
        try (Socket s = connect()) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(sent);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            byte[] back = s.getInputStream().readNBytes(sent.length);
            writer.get(5, TimeUnit.SECONDS);
            return back;
        }
    }

    private static List<Integer> damagedOffsets(byte[] sent, byte[] back) {
        assertThat(back).hasSameSizeAs(sent);
        List<Integer> offsets = new java.util.ArrayList<>();
        for (int i = 0; i < sent.length; i++) {
            if (sent[i] != back[i]) {
                offsets.add(i);
            }
        }
        return offsets;
    }

    private void outageNow(Duration length, LinkSpec.Outage.Kind kind) {
        link.scheduleOutages(List.of(new LinkSpec.Outage(Duration.ZERO, length, kind)));
    }

    private InetSocketAddress peer() {
        return new InetSocketAddress("127.0.0.1", echo.getLocalPort());
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(link.address().getAddress(), link.address().getPort());
        s.setSoTimeout(5000);
        return s;
    }

    private boolean echoesOnANewConnection() {
        try (Socket s = connect()) {
            s.getOutputStream().write(7);
            return s.getInputStream().read() == 7;
        } catch (IOException e) {
            return false;
        }
    }

    private static void roundTrip(Socket s) throws IOException {
        s.getOutputStream().write(7);
        assertThat(s.getInputStream().read()).isEqualTo(7);
    }
}
