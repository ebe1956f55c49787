package io.datamover.tap.sender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.coordination.HighestEpoch;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.Crc32c;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.WriteRecord;
import io.datamover.protocol.netty.PeerAddress;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A sender wired to a {@link TestGatewayReceiver} on loopback, with what its listeners heard and
 * every payload it was given, so a test can check that each one was released.
 */
final class SenderFixture implements AutoCloseable {
    static final int CG = 7;
    static final DiskInfo DISK = new DiskInfo(0, "disk0", 1L << 30, 4096);

    /** A break of the stream as the listener saw it. */
    record StreamBreak(BitmapReason reason, long seq) {}

    final TestGatewayReceiver receiver;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final List<Long> durableAcks = new CopyOnWriteArrayList<>();
    final List<StreamBreak> streamBreaks = new CopyOnWriteArrayList<>();
    /** The outages the sender reported, by number: the tap's stream owner times their grace, here the test does. */
    final List<Long> outages = new CopyOnWriteArrayList<>();
    /** Expected payload CRC of every record made, by seq. */
    final Map<Long, Integer> crcBySeq = new ConcurrentHashMap<>();
    private final List<ByteBuf> payloads = new CopyOnWriteArrayList<>();
    GatewaySender sender;

    /** The tap's persisted highest epoch of a leading gateway, in a directory of its own. */
    final Path epochFile;
    HighestEpoch epochs;

    SenderFixture() throws InterruptedException {
        receiver = TestGatewayReceiver.start();
        try {
            epochFile = Files.createTempDirectory("sender-epoch").resolve("gateway-epoch");
            epochs = HighestEpoch.open(epochFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fast reconnects and liveness checks, so tests wait milliseconds, not seconds. */
    SenderConfig.Builder config() {
        return withTestDefaults(SenderConfig.builder("127.0.0.1", receiver.port()));
    }

    private static SenderConfig.Builder withTestDefaults(SenderConfig.Builder builder) {
        return builder
                .identity("tap-test", "pair-test")
                .consistencyGroup(CG, "cg-test", List.of(DISK))
                .link(l -> l.withReconnect(20, 200, 0.2))
                .link(l -> l.withLiveness(200, 2_000))
                .link(l -> l.withCloseTimeoutMs(2_000));
    }

    /** As {@link #config()}, to the gateways of a site, tried in this order. */
    SenderConfig.Builder config(TestGatewayReceiver... gateways) {
        return withTestDefaults(SenderConfig.builder(java.util.Arrays.stream(gateways)
                .map(g -> new PeerAddress("127.0.0.1", g.port())).toList()));
    }

    GatewaySender start(SenderConfig config) {
        sender = GatewaySender.start(config, 1, (cg, seq) -> {
            assertThat(cg).isEqualTo(CG);
            durableAcks.add(seq);
        }, new StreamListener() {
            @Override
            public void streamBroken(BitmapReason reason, long seq) {
                streamBreaks.add(new StreamBreak(reason, seq));
            }

            @Override
            public void disconnected(long outage) {
                outages.add(outage);
            }
        }, epochs, registry, Clock.systemUTC());
        return sender;
    }

    GatewaySender startConnected(SenderConfig config) {
        start(config);
        await().until(sender::isConnected);
        return sender;
    }

    /** A DATA record of {@code bytes} bytes whose content depends on its seq. */
    WriteRecord record(long seq, int bytes) {
        ByteBuf payload = Unpooled.buffer(bytes);
        for (int i = 0; i < bytes; i += 8) {
            payload.writeLong(seq * 0x9E3779B97F4A7C15L + i);
        }
        payload.writerIndex(bytes);
        payloads.add(payload);
        crcBySeq.put(seq, Crc32c.of(payload));
        return new WriteRecord(CG, seq * 1000, false, BlockWrite.data(seq, DISK.id(), (seq % 1024) * 4096, payload));
    }

    /** Ends the latest outage the sender reported, as the stream owner does once its grace is over. */
    void graceOver() {
        await().until(() -> !outages.isEmpty());
        sender.outageGraceOver(outages.getLast());
    }

    long lastDurableAck() {
        return durableAcks.isEmpty() ? 0 : durableAcks.getLast();
    }

    double counter(String name, String... tags) {
        Counter c = registry.find(SenderMetrics.PREFIX + name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() {
        if (sender != null) {
            sender.close();
        }
        receiver.close();
        try {
            Files.deleteIfExists(epochFile);
            Files.deleteIfExists(epochFile.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Every payload handed over was released: sent ones once written, refused ones at once.
        await().untilAsserted(() -> assertThat(payloads).allSatisfy(p -> assertThat(p.refCnt()).isZero()));
    }
}
