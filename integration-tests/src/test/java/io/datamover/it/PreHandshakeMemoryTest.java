package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.process.NativeMemory;
import io.datamover.bench.process.ProcFs;
import io.datamover.protocol.FrameType;
import io.datamover.protocol.HostileFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded before trust, end to end (issue 14, finding 5): while a guest writes through a real pair, 60 connections to
 * each gateway send a frame header declaring 64 MiB, push body bytes behind it as fast as the gateway takes them and
 * then dribble. Each gateway refuses every one on its header (FRAME_TOO_LARGE, counted), its direct memory (NMT
 * "Other", peak) and resident set (VmHWM, the peak) grow by no more than the bounds below, and the pair keeps
 * streaming and converges: the replica equals the source disk. Before the fix each gateway buffered what every
 * connection sent (60 x 8 MiB here; 3.6 GB with whole 64 MiB bodies). The pair runs with {@code --insecure-plaintext}
 * so the attackers' frames reach the decoder (with TLS they never would: ListenerFloodTest).
 */
class PreHandshakeMemoryTest {
    private static final int CONNECTIONS = 60;
    private static final long DECLARED_BYTES = 64L << 20;
    /** Body bytes each connection pushes after its header when the gateway reads them; then it dribbles. */
    private static final int PUSHED_BYTES = 8 << 20;
    /**
     * Growth allowed to a gateway's direct memory (NMT "Other" peak) under attack: each refused connection costs at
     * most a HELLO's bound (37 KiB) and a socket read (at most 64 KiB), about 6 MiB for 60; the rest is slack for the
     * pipeline's own buffers.
     */
    private static final long DIRECT_GROWTH_BOUND = 64L << 20;
    /** Growth allowed to a gateway's resident set (VmHWM after the attack over VmRSS before): direct plus heap. */
    private static final long RSS_GROWTH_BOUND = 256L << 20;
    private static final String NMT = "-XX:NativeMemoryTracking=summary";

    @TempDir
    Path base;

    @Test
    void connectionsDeclaringHugeFramesBeforeAHelloCannotGrowAGatewaysMemoryAndThePairKeepsReplicating()
            throws Exception {
        try (ReplicatingGuest pair = ReplicatingGuest.start(base, List.of(), 41, site -> {
            site.source().javaOptions(NMT);
            site.target().javaOptions(NMT);
            site.insecurePlaintext(); // the attack is on the frame decoder: the listeners take plaintext frames
        })) {
            ReplicationSite site = pair.site;
            Footprint sourceBefore = Footprint.of(site.source().pid());
            Footprint targetBefore = Footprint.of(site.target().pid());
            try (Attack onSource = new Attack(site.sourcePort()); Attack onTarget = new Attack(site.targetPort())) {
                onSource.awaitPushed();
                onTarget.awaitPushed();
                pair.keepsWriting(); // the real stream goes on meanwhile
                Footprint sourceAfter = Footprint.of(site.source().pid());
                Footprint targetAfter = Footprint.of(site.target().pid());
                String figures = "source gateway " + sourceBefore + " -> " + sourceAfter + "; target gateway "
                        + targetBefore + " -> " + targetAfter + "; closed by the gateway so far: source "
                        + onSource.closedByGateway.get() + ", target " + onTarget.closedByGateway.get();
                System.out.println("pre-handshake attack: " + figures);
                assertThat(sourceAfter.directPeakBytes - sourceBefore.directBytes).as(figures)
                        .isLessThan(DIRECT_GROWTH_BOUND);
                assertThat(targetAfter.directPeakBytes - targetBefore.directBytes).as(figures)
                        .isLessThan(DIRECT_GROWTH_BOUND);
                assertThat(sourceAfter.peakRssBytes - sourceBefore.rssBytes).as(figures).isLessThan(RSS_GROWTH_BOUND);
                assertThat(targetAfter.peakRssBytes - targetBefore.rssBytes).as(figures).isLessThan(RSS_GROWTH_BOUND);

                assertThat(onSource.refused()).as("connections the source gateway closed").isEqualTo(CONNECTIONS);
                assertThat(onTarget.refused()).as("connections the target gateway closed").isEqualTo(CONNECTIONS);
                assertThat(AdminMetrics.sum(site.sourceAdmin(), "datamover_source_receiver_errors_total",
                        "code=\"FRAME_TOO_LARGE\"")).isEqualTo(CONNECTIONS);
                assertThat(AdminMetrics.sum(site.targetAdmin(), "datamover_target_rejected_total",
                        "code=\"FRAME_TOO_LARGE\"")).isEqualTo(CONNECTIONS);
            }
            pair.converges();
        }
    }

    /** A gateway's memory: resident now and at its peak (/proc), direct now and at its peak (NMT "Other"). */
    private record Footprint(long rssBytes, long peakRssBytes, long directBytes, long directPeakBytes) {
        static Footprint of(long pid) throws IOException, InterruptedException {
            NativeMemory.Other direct = NativeMemory.other(pid);
            assertThat(direct.committedBytes()).as("NMT of pid %d", pid).isNotNegative();
            return new Footprint(ProcFs.rssBytes(pid), ProcFs.peakRssBytes(pid), direct.committedBytes(),
                    direct.peakBytes());
        }

        @Override
        public String toString() {
            return "RSS " + (rssBytes >> 20) + " MiB (peak " + (peakRssBytes >> 20) + "), direct " + (directBytes >> 20)
                    + " MiB (peak " + (directPeakBytes >> 20) + ")";
        }
    }

    /**
     * {@link #CONNECTIONS} connections to one gateway, each on two virtual threads: one writes the header, the body
     * bytes and then a byte a second; the other reads until the gateway closes the connection.
     */
    private static final class Attack implements AutoCloseable {
        private static final int CHUNK = 64 * 1024;
        private static final Duration DRIBBLE = Duration.ofSeconds(1);
        private final List<Socket> sockets = new ArrayList<>();
        /** Counts down once a connection has pushed its body or was closed by the gateway. */
        private final CountDownLatch pushed = new CountDownLatch(CONNECTIONS);
        private final AtomicInteger closedByGateway = new AtomicInteger();
        private volatile boolean stopped;

        Attack(int port) throws IOException {
            ByteBuf header = HostileFrames.headerDeclaring(FrameType.HELLO, DECLARED_BYTES);
            byte[] headerBytes = ByteBufUtil.getBytes(header);
            header.release();
            for (int i = 0; i < CONNECTIONS; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                sockets.add(socket);
                Thread.ofVirtual().start(() -> push(socket, headerBytes));
                Thread.ofVirtual().start(() -> readUntilClosed(socket));
            }
        }

        private void push(Socket socket, byte[] headerBytes) {
            try {
                OutputStream out = socket.getOutputStream();
                out.write(headerBytes);
                byte[] chunk = new byte[CHUNK];
                for (int sent = 0; sent < PUSHED_BYTES; sent += CHUNK) {
                    out.write(chunk);
                }
                pushed.countDown();
                while (!stopped) {
                    out.write(0);
                    Thread.sleep(DRIBBLE); // the dribble itself: a byte a second keeps a read timeout away
                }
            } catch (IOException | InterruptedException e) {
                pushed.countDown(); // closed by the gateway (or by close())
            }
        }

        private void readUntilClosed(Socket socket) {
            try (InputStream in = socket.getInputStream()) {
                byte[] buffer = new byte[4096];
                while (in.read(buffer) >= 0) {
                    // the ERROR frame, if any; the gateway closes after it
                }
                if (!stopped) {
                    closedByGateway.incrementAndGet();
                }
            } catch (IOException e) {
                if (!stopped) {
                    closedByGateway.incrementAndGet(); // a reset: closed by the gateway too
                }
            }
        }

        void awaitPushed() throws InterruptedException {
            assertThat(pushed.await(FaultAwaits.DEADLINE.toSeconds(), TimeUnit.SECONDS))
                    .as("every connection pushed its bytes or was closed").isTrue();
        }

        /** Connections the gateway has closed, after waiting for the ones still open to be closed. */
        int refused() throws Exception {
            FaultAwaits.atLeast(Duration.ofSeconds(10), "connections closed by the gateway", closedByGateway::get,
                    CONNECTIONS);
            return closedByGateway.get();
        }

        @Override
        public void close() throws IOException {
            stopped = true;
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
