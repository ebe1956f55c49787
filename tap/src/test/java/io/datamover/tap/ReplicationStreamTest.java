package io.datamover.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.disk.SparseFile;
import io.datamover.protocol.RecordKind;
import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.replication.ReplicationSink;
import io.datamover.tap.sender.SenderConfig;
import io.datamover.tap.sender.TestGatewayReceiver;
import io.datamover.tap.support.Tools;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tap with its real gateway sender, against a protocol-speaking receiver on loopback, driven by
 * real NBD clients: what the guests write arrives in seq order, gap-free and with the right bytes;
 * and when the receiver goes away the guests do not stall and the dirty bitmap covers every write
 * the gateway did not acknowledge, across a restart of the tap.
 */
class ReplicationStreamTest {
    private static final long DISK_BYTES = 16L << 20;
    private static final int REGION = 64 << 10;
    private static final Duration CLIENT_DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private TestGatewayReceiver receiver;
    private ReplicatingTap tap;

    @BeforeEach
    void startReceiver() throws InterruptedException {
        Tools.assumeInstalled("qemu-io");
        receiver = TestGatewayReceiver.start();
    }

    @AfterEach
    void stop() throws IOException {
        if (tap != null) {
            tap.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    private TapConfig config(String... exports) throws IOException {
        TapConfig.Builder builder = TapConfig.builder().port(0).stateDir(dir.resolve("state"))
                .regionSizeBytes(REGION).dirtyRetentionMillis(100).ioThreads(4);
        for (String export : exports) {
            Path image = dir.resolve(export + ".img");
            if (!Files.exists(image)) {
                SparseFile.create(image, DISK_BYTES).close();
            }
            builder.export(export, image);
        }
        return builder.build();
    }

    private ReplicatingTap start(TapConfig config) throws Exception {
        SenderConfig sender = SenderConfig.builder("127.0.0.1", receiver.port())
                .identity("tap-test", config.pairId())
                .consistencyGroup((int) config.consistencyGroupId(), "cg-test", ReplicatingTap.disksOf(config))
                .link(l -> l.withReconnect(50, 200, 0.1))
                .outageGraceMs(300) // these tests look at the bitmap after the gateway has gone for good
                .build();
        return ReplicatingTap.start(config, sender, Duration.ofSeconds(10), new SimpleMeterRegistry(),
                InstantSource.system());
    }

    private String uri(String export) {
        return "nbd://127.0.0.1:" + tap.tap().port() + "/" + export;
    }

    /** Random writes, zero writes and discards at 512-byte-aligned random places, as qemu-io commands. */
    private static List<String> randomCommands(Random random, int count) {
        return Tools.randomWrites(random, count, DISK_BYTES, 512, 128);
    }

    @Test
    void concurrentGuestsStreamGapFreeInOrderWithTheRightBytes() throws Exception {
        receiver.keepPayloads(true);
        tap = start(config("root", "data"));
        Random random = new Random(42);
        List<Tools.Running> guests = new ArrayList<>();
        for (int g = 0; g < 3; g++) {
            String export = g == 2 ? "data" : "root"; // two guests on the same disk, overlapping at random
            guests.add(Tools.start(Tools.qemuIo(uri(export), randomCommands(random, 150).toArray(String[]::new))));
        }
        for (Tools.Running guest : guests) {
            assertThat(guest.await(CLIENT_DEADLINE).exitCode()).isZero();
        }
        long last = tap.tap().lastSeq();
        await().atMost(Duration.ofSeconds(20)).until(() -> tap.sender().durableSeq() == last);

        List<TestGatewayReceiver.Received> records = receiver.records();
        assertThat(records).extracting(TestGatewayReceiver.Received::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, last).boxed().toList());
        assertThat(records).allMatch(TestGatewayReceiver.Received::crcMatches);
        assertThat(receiver.violations()).isEmpty();

        // Replaying the stream onto empty disks gives exactly what the tap wrote locally.
        byte[][] replay = {new byte[(int) DISK_BYTES], new byte[(int) DISK_BYTES]};
        for (TestGatewayReceiver.Received r : records) {
            if (r.kind() == RecordKind.DATA) {
                System.arraycopy(r.payload(), 0, replay[r.disk()], (int) r.offset(), r.length());
            } else {
                Arrays.fill(replay[r.disk()], (int) r.offset(), (int) (r.offset() + r.length()), (byte) 0);
            }
        }
        assertThat(replay[0]).isEqualTo(Files.readAllBytes(dir.resolve("root.img")));
        assertThat(replay[1]).isEqualTo(Files.readAllBytes(dir.resolve("data.img")));

        // Every write acknowledged: the dirty bits age out.
        await().atMost(Duration.ofSeconds(10)).until(() -> tap.tap().dirtyRegions("root").isEmpty()
                && tap.tap().dirtyRegions("data").isEmpty());
        assertThat(tap.tap().mode()).isEqualTo(ReplicationMode.STREAMING);
    }

    @Test
    void whenTheGatewayGoesAwayGuestsGoOnAndTheBitmapCoversEveryUnacknowledgedWrite() throws Exception {
        TapConfig config = config("root");
        tap = start(config);
        Random random = new Random(7);

        // Phase 1: acknowledged writes.
        List<String> acknowledged = randomCommands(random, 50);
        assertThat(Tools.run(CLIENT_DEADLINE, Tools.qemuIo(uri("root"), acknowledged.toArray(String[]::new))).exitCode())
                .isZero();
        long phase1 = tap.tap().lastSeq();
        await().atMost(Duration.ofSeconds(10)).until(() -> tap.sender().durableSeq() == phase1);

        // Phase 2: the gateway receives but never acknowledges, then disappears.
        receiver.autoAck(false);
        List<String> unacknowledged = randomCommands(random, 50);
        assertThat(Tools.run(CLIENT_DEADLINE, Tools.qemuIo(uri("root"), unacknowledged.toArray(String[]::new))).exitCode())
                .isZero();
        long phase2 = tap.tap().lastSeq();
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.records().size() == phase2);
        receiver.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> !tap.sender().takesRecords());

        // Phase 3: the gateway is gone; guest I/O must go on at once (the deadline is the stall detector).
        List<String> whileAway = randomCommands(random, 200);
        Tools.Result result = Tools.run(Duration.ofSeconds(30), Tools.qemuIo(uri("root"), whileAway.toArray(String[]::new)));
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(tap.tap().mode()).isEqualTo(ReplicationMode.BITMAP);

        BitSet mustBeDirty = regionsOf(unacknowledged);
        mustBeDirty.or(regionsOf(whileAway));
        assertThat(covers(tap.tap().dirtyRegions("root"), mustBeDirty)).isTrue();

        // The bits survive a restart of the tap.
        tap.close();
        tap = null;
        try (Tap restarted = Tap.start(config, ReplicationSink.REFUSE_ALL,
                new SimpleMeterRegistry())) {
            assertThat(covers(restarted.dirtyRegions("root"), mustBeDirty)).isTrue();
            assertThat(restarted.mode()).isEqualTo(ReplicationMode.BITMAP);
        }
    }

    private static boolean covers(BitSet dirty, BitSet required) {
        BitSet missing = (BitSet) required.clone();
        missing.andNot(dirty);
        return missing.isEmpty();
    }

    /** The bitmap regions the qemu-io commands touch. */
    private static BitSet regionsOf(List<String> commands) {
        BitSet regions = new BitSet();
        for (String c : commands) {
            String[] words = c.split(" ");
            long offset = Long.parseLong(words[words.length - 2]);
            long length = Long.parseLong(words[words.length - 1]);
            regions.set((int) (offset / REGION), (int) ((offset + length - 1) / REGION) + 1);
        }
        return regions;
    }
}
