package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.process.ProcFs;
import io.datamover.protocol.netty.ListenerLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded listeners, end to end (issue 15): while a guest writes through a real pair (daemons as processes, default
 * listener limits, mutual TLS), each gateway's TLS listener gets a slow handshake (a real TLS ClientHello sent one byte
 * a second) and then 1,000 connections that send nothing. Each gateway closes at accept every connection past its cap
 * on unfinished handshakes, and the ones it held (the slow one included) at the TLS handshake timeout or the HELLO
 * timeout (both --hello-timeout, whichever comes first); every one is counted by reason.
 * Its threads and resident set stay within the bounds below, and the pair keeps streaming and converges. Before the
 * fix every idle connection was held until the read-idle timeout (10 s at the source, 30 s at the target), none was
 * counted, and the slow handshake, which resets the read-idle timer with each byte, was held until its HELLO ended.
 */
class ListenerFloodTest {
    private static final int IDLE_CONNECTIONS = 1_000;
    /** The slow handshake and the idle ones. */
    private static final int FLOOD = IDLE_CONNECTIONS + 1;
    /**
     * Threads a gateway may add under the flood: none per connection; the target's event loops (two per core)
     * start as connections are first registered on them.
     */
    private static final long THREAD_GROWTH_BOUND = 8;
    /**
     * Growth allowed to a gateway's resident set (VmHWM during the flood over VmRSS before): it holds at most
     * {@link ListenerLimits#DEFAULT_MAX_HANDSHAKES} connections that have sent nothing (a channel and its pipeline,
     * a few KiB each) and closes the rest at once; the rest is slack for the pipeline's own buffers and the heap.
     */
    private static final long RSS_GROWTH_BOUND = 64L << 20;
    private static final String REFUSED = "datamover_listener_refused_total";

    @TempDir
    Path base;

    @Test
    void aFloodOfIdleConnectionsAndASlowHandshakeAreRefusedAndCountedWhileThePairKeepsReplicating() throws Exception {
        try (ReplicatingGuest pair = ReplicatingGuest.start(base, List.of(), 43)) {
            ReplicationSite site = pair.site;
            Footprint sourceBefore = Footprint.of(site.source().pid());
            Footprint targetBefore = Footprint.of(site.target().pid());
            try (Flood onSource = new Flood(site.sourcePort());
                    Flood onTarget = new Flood(site.targetPort())) {
                int minRefusedAtAccept = FLOOD - ListenerLimits.DEFAULT_MAX_HANDSHAKES;
                FaultAwaits.atLeast(FaultAwaits.DEADLINE, "source gateway connections closed at accept",
                        () -> refused(site.sourceAdmin(), "taps", "handshakes"), minRefusedAtAccept);
                FaultAwaits.atLeast(FaultAwaits.DEADLINE, "target gateway connections closed at accept",
                        () -> refused(site.targetAdmin(), "sources", "handshakes"), minRefusedAtAccept);
                pair.keepsWriting(); // the real stream goes on meanwhile
                Footprint sourceDuring = Footprint.of(site.source().pid());
                Footprint targetDuring = Footprint.of(site.target().pid());

                onSource.awaitAllClosed();
                onTarget.awaitAllClosed();
                String figures = "source gateway " + sourceBefore + " -> " + sourceDuring + "; target gateway "
                        + targetBefore + " -> " + targetDuring + "; source refused " + onSource.refusals(site
                        .sourceAdmin(), "taps") + ", target refused " + onTarget.refusals(site.targetAdmin(), "sources")
                        + "; slow handshake closed after " + onSource.slowLastedSeconds.get() + " s (source), "
                        + onTarget.slowLastedSeconds.get() + " s (target)";
                System.out.println("listener flood: " + figures);
                assertThat(sourceDuring.threads - sourceBefore.threads).as(figures).isLessThanOrEqualTo(
                        THREAD_GROWTH_BOUND);
                assertThat(targetDuring.threads - targetBefore.threads).as(figures).isLessThanOrEqualTo(
                        THREAD_GROWTH_BOUND);
                assertThat(sourceDuring.peakRssBytes - sourceBefore.rssBytes).as(figures).isLessThan(RSS_GROWTH_BOUND);
                assertThat(targetDuring.peakRssBytes - targetBefore.rssBytes).as(figures).isLessThan(RSS_GROWTH_BOUND);
                // Every connection of the flood was closed by the guard or the TLS layer, at accept or at a timeout.
                assertThat(closedByListener(site.sourceAdmin(), "taps")).as(figures).isEqualTo(FLOOD);
                assertThat(closedByListener(site.targetAdmin(), "sources")).as(figures).isEqualTo(FLOOD);
                long helloTimeoutSeconds = ListenerLimits.DEFAULT_HELLO_TIMEOUT_MS / 1000;
                assertThat(List.of(onSource.slowLastedSeconds.get(), onTarget.slowLastedSeconds.get()))
                        .as("seconds the slow handshakes lasted; " + figures)
                        .allSatisfy(lasted -> assertThat(lasted).isBetween((int) helloTimeoutSeconds - 1,
                                (int) helloTimeoutSeconds + 2));
            }
            pair.converges();
        }
    }

    /** At accept (the cap on unfinished handshakes) or at the handshake's timeout, TLS or HELLO. */
    private static double closedByListener(String admin, String listener) throws InterruptedException {
        return refused(admin, listener, "handshakes") + refused(admin, listener, "hello-timeout")
                + refused(admin, listener, "tls-handshake-timeout");
    }

    private static double refused(String admin, String listener, String reason) throws InterruptedException {
        return AdminMetrics.sum(admin, REFUSED, "listener=\"" + listener + "\"", "reason=\"" + reason + "\"");
    }

    /** A gateway's threads now, resident set now and at its peak (/proc). */
    private record Footprint(long threads, long rssBytes, long peakRssBytes) {
        static Footprint of(long pid) throws IOException {
            return new Footprint(ProcFs.threads(pid), ProcFs.rssBytes(pid), ProcFs.peakRssBytes(pid));
        }

        @Override
        public String toString() {
            return threads + " threads, RSS " + (rssBytes >> 20) + " MiB (peak " + (peakRssBytes >> 20) + ")";
        }
    }

    /**
     * Against one listener: a connection that sends a real TLS ClientHello one byte a second, then
     * {@link #IDLE_CONNECTIONS} that send nothing; each watched by a virtual thread that reads until the gateway
     * closes it.
     */
    private static final class Flood implements AutoCloseable {
        private final List<Socket> sockets = new ArrayList<>();
        private final AtomicInteger closedByGateway = new AtomicInteger();
        private final AtomicInteger slowLastedSeconds = new AtomicInteger(-1);
        private final AtomicBoolean stopped = new AtomicBoolean();

        Flood(int port) throws IOException {
            Socket slow = connect(port);
            byte[] hello = clientHelloBytes(port);
            Thread.ofVirtual().start(() -> dribble(slow, hello));
            for (int i = 0; i < IDLE_CONNECTIONS; i++) {
                connect(port);
            }
        }

        private Socket connect(int port) throws IOException {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            sockets.add(socket);
            Thread.ofVirtual().start(() -> readUntilClosed(socket));
            return socket;
        }

        /** The first flight of a TLS 1.3 client: what a real peer sends first. */
        private static byte[] clientHelloBytes(int port) throws IOException {
            try {
                SSLEngine engine = SSLContext.getDefault().createSSLEngine("127.0.0.1", port);
                engine.setUseClientMode(true);
                ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                engine.wrap(ByteBuffer.allocate(0), out);
                return Arrays.copyOf(out.array(), out.position());
            } catch (GeneralSecurityException e) {
                throw new IOException(e);
            }
        }

        private void dribble(Socket socket, byte[] hello) {
            long start = System.nanoTime();
            try {
                OutputStream out = socket.getOutputStream();
                for (byte b : hello) {
                    out.write(b);
                    Thread.sleep(Duration.ofSeconds(1)); // the slow handshake itself: a byte a second
                    if (closedByGatewayOrStopped(socket)) {
                        break;
                    }
                }
            } catch (IOException | InterruptedException e) {
                // closed by the gateway (or by close())
            }
            slowLastedSeconds.set((int) Duration.ofNanos(System.nanoTime() - start).toSeconds());
        }

        private boolean closedByGatewayOrStopped(Socket socket) {
            return stopped.get() || socket.isInputShutdown() || socket.isClosed();
        }

        private void readUntilClosed(Socket socket) {
            try (InputStream in = socket.getInputStream()) {
                while (in.read() >= 0) {
                    // nothing is expected: the guard closes without a word
                }
            } catch (IOException e) {
                // a reset: closed by the gateway too
            }
            if (!stopped.get()) {
                closedByGateway.incrementAndGet();
            }
        }

        /** Waits until the gateway has closed every connection of the flood (the held ones at the HELLO timeout). */
        void awaitAllClosed() throws Exception {
            FaultAwaits.atLeast(FaultAwaits.DEADLINE, "flood connections closed by the gateway", closedByGateway::get,
                    FLOOD);
            FaultAwaits.atLeast(Duration.ofSeconds(5), "the slow handshake's end noted", slowLastedSeconds::get, 0);
        }

        String refusals(String admin, String listener) throws InterruptedException {
            return (long) refused(admin, listener, "handshakes") + " at accept, " + (long) refused(admin, listener,
                    "tls-handshake-timeout") + " at the TLS handshake timeout, " + (long) refused(admin, listener,
                    "hello-timeout") + " at the HELLO timeout";
        }

        @Override
        public void close() throws IOException {
            stopped.set(true);
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
