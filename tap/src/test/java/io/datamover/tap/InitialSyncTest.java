package io.datamover.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.disk.Extent;
import io.datamover.disk.SparseFile;
import io.datamover.protocol.RecordKind;
import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.replication.ReplicationSink;
import io.datamover.tap.sender.TestGatewayReceiver;
import io.datamover.tap.sender.TestGatewayReceiver.Received;
import io.datamover.tap.support.ReplicaReplay;
import io.datamover.tap.support.TestTaps;
import io.datamover.tap.support.Tools;
import io.datamover.tap.sync.InitialSync;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The initial sync of a newly protected disk, with the real gateway sender against a protocol-speaking receiver on
 * loopback: only the non-zero blocks of allocated extents travel, between SYNC_BEGIN and SYNC_END, the replayed
 * stream reproduces the source (also with guests writing during the sync), a restart does not sync again, and a
 * gateway lost mid-sync leaves the rest dirty, durably.
 */
class InitialSyncTest {
    private static final long DISK_BYTES = 256L << 20;
    private static final int REGION = 64 << 10;
    private static final int MIB = 1 << 20;
    private static final int CG = 1;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private TestGatewayReceiver receiver;
    private ReplicatingTap tap;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void startReceiver() throws InterruptedException {
        receiver = TestGatewayReceiver.start();
        receiver.keepPayloads(true);
    }

    @AfterEach
    void stop() throws IOException {
        if (tap != null) {
            tap.close();
        }
        receiver.close();
    }

    @Test
    void onlyTheNonZeroBlocksOfAllocatedExtentsAreSentAndTheyReproduceTheSource() throws Exception {
        Path source = sourceImage("disk0", 1);
        long allocated = allocatedBytes(source);
        long nonZero = nonZeroBytes(source);
        assertThat(allocated).isLessThan(DISK_BYTES / 2).isGreaterThan(nonZero);
        TapConfig config = config(InitialSync.AUTO, 1 << 20, 8L << 20, source);

        tap = start(config);
        awaitSyncedAndAcknowledged();

        List<Received> records = receiver.records();
        assertThat(records.getFirst().kind()).isEqualTo(RecordKind.SYNC_BEGIN);
        assertThat(records.getLast().kind()).isEqualTo(RecordKind.SYNC_END);
        List<Received> data = records.subList(1, records.size() - 1);
        assertThat(data).extracting(Received::kind).containsOnly(RecordKind.DATA);
        assertThat(data).allMatch(Received::crcMatches);
        assertThat(data).noneMatch(InitialSyncTest::holdsAZeroBlock);
        assertThat(data.stream().mapToLong(Received::length).sum()).as("bytes sent").isEqualTo(nonZero);
        assertThat(counter("datamover.tap.sync.bytes.read")).as("only allocated bytes are read").isEqualTo(allocated);
        assertThat(counter("datamover.tap.sync.bytes.sent")).isEqualTo(nonZero);
        assertThat(counter("datamover.tap.sync.bytes.skipped.zero")).isEqualTo(allocated - nonZero);

        Path replica = ReplicaReplay.replay(dir.resolve("replica.img"), DISK_BYTES, 0, records);
        ReplicaReplay.assertSameBytes(source, replica);
        try (SparseFile file = SparseFile.openReadOnly(replica)) {
            assertThat(file.allocatedBytes()).as("thin stays thin").isLessThanOrEqualTo(nonZero + REGION);
        }

        // Acknowledged: every region the sync marked, the witness included, ages out; a restart does not sync again.
        await().atMost(Duration.ofSeconds(10)).until(() -> tap.tap().dirtyRegions("disk0").isEmpty());
        tap.close();
        tap = start(config);
        assertThat(tap.tap().mode()).isEqualTo(ReplicationMode.STREAMING);
        assertThat(tap.tap().initialSyncRunning()).isFalse();
        writeAndAwait("disk0", "write -P 0x5a 1m 4k");
        assertThat(receiver.records().subList(records.size(), receiver.records().size()))
                .extracting(Received::kind).containsExactly(RecordKind.DATA);
    }

    @Test
    void guestsWritingDuringTheSyncEndWithAReplicaEqualToTheFinalSource() throws Exception {
        Tools.assumeInstalled("qemu-io");
        Path source = sourceImage("disk0", 2);
        receiver.autoAck(false); // the sync pauses once 1 MiB is unacknowledged: the guests start meanwhile
        tap = start(config(InitialSync.AUTO, 256 << 10, 1 << 20, source));
        await().atMost(DEADLINE).until(() -> receiver.records().size() >= 4);

        Random random = new Random(11);
        List<Tools.Running> guests = new ArrayList<>();
        for (int g = 0; g < 2; g++) {
            guests.add(Tools.start(Tools.qemuIo(uri("disk0"),
                    Tools.randomWrites(random, 200, DISK_BYTES, 4096, 32).toArray(String[]::new))));
        }
        await().atMost(DEADLINE).until(() -> receiver.records().stream()
                .anyMatch(r -> r.kind() == RecordKind.ZERO || r.kind() == RecordKind.TRIM));
        long received = receiver.records().getLast().seq();
        receiver.ackDurable(CG, received); // before acks resume, so no later ack can overtake it
        await().atMost(DEADLINE).until(() -> tap.sender().durableSeq() == received);
        receiver.autoAck(true);
        for (Tools.Running guest : guests) {
            Tools.Result result = guest.await(DEADLINE);
            assertThat(result.exitCode()).as(result.output()).isZero();
        }
        awaitSyncedAndAcknowledged();

        List<Received> records = receiver.records();
        assertThat(records).extracting(Received::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, tap.tap().lastSeq()).boxed().toList());
        long syncEnd = records.stream().filter(r -> r.kind() == RecordKind.SYNC_END).findFirst().orElseThrow().seq();
        assertThat(records.stream().filter(r -> r.seq() < syncEnd && r.kind() == RecordKind.TRIM).count())
                .as("guest writes interleaved with the sync").isPositive();
        assertThat(receiver.violations()).isEmpty();
        ReplicaReplay.assertSameBytes(source, ReplicaReplay.replay(dir.resolve("replica.img"), DISK_BYTES, 0, records));
    }

    @Test
    void anEmptyNewDiskGetsOnlyTheMarkers() throws Exception {
        Path blank = dir.resolve("blank.img");
        SparseFile.create(blank, DISK_BYTES).close();
        tap = start(config(InitialSync.AUTO, 1 << 20, 8L << 20, blank));
        awaitSyncedAndAcknowledged();
        assertThat(receiver.records()).extracting(Received::seq, Received::kind)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, RecordKind.SYNC_BEGIN),
                        org.assertj.core.groups.Tuple.tuple(2L, RecordKind.SYNC_END));
        await().atMost(Duration.ofSeconds(10)).until(() -> tap.tap().dirtyRegions("blank").isEmpty());
    }

    @Test
    void skipSendsOnlyTheMarkersWhateverTheDiskHolds() throws Exception {
        Path source = sourceImage("disk0", 3);
        tap = start(config(InitialSync.SKIP, 1 << 20, 8L << 20, source));
        awaitSyncedAndAcknowledged();
        assertThat(receiver.records()).extracting(Received::kind)
                .containsExactly(RecordKind.SYNC_BEGIN, RecordKind.SYNC_END);
        assertThat(counter("datamover.tap.sync.bytes.read")).isZero();
    }

    @Test
    void aGatewayLostMidSyncLeavesTheRegionsNotCoveredDirtyAcrossARestart() throws Exception {
        Path source = sourceImage("disk0", 4);
        BitSet allocatedRegions = allocatedRegions(source);
        receiver.autoAck(false);
        TapConfig config = config(InitialSync.AUTO, 256 << 10, 1 << 20, source);
        tap = start(config);
        await().atMost(DEADLINE).until(() -> receiver.records().size() >= 4);

        // The gateway holds the first two chunks (the random MiB at offset 0), then goes away.
        List<Received> received = receiver.records();
        assertThat(received.get(2)).extracting(Received::kind, Received::offset).containsExactly(RecordKind.DATA, 256L << 10);
        receiver.ackDurable(CG, received.get(2).seq());
        receiver.stop();
        await().atMost(DEADLINE).until(() -> tap.tap().mode() == ReplicationMode.BITMAP && !tap.tap().initialSyncRunning());

        BitSet mustStayDirty = (BitSet) allocatedRegions.clone();
        mustStayDirty.clear(0, (512 << 10) / REGION); // the two acknowledged chunks
        mustStayDirty.set(0); // the witness: SYNC_END was never acknowledged
        await().atMost(Duration.ofSeconds(10)).until(() -> !tap.tap().dirtyRegions("disk0").get(1));
        assertThat(covers(tap.tap().dirtyRegions("disk0"), mustStayDirty)).isTrue();

        tap.close();
        tap = null;
        try (Tap restarted = Tap.start(config, ReplicationSink.REFUSE_ALL, new SimpleMeterRegistry())) {
            assertThat(covers(restarted.dirtyRegions("disk0"), mustStayDirty)).as("persisted").isTrue();
            assertThat(restarted.mode()).isEqualTo(ReplicationMode.BITMAP);
            assertThat(restarted.initialSyncRunning()).isFalse();
        }
    }

    private TapConfig config(InitialSync initialSync, int chunkBytes, long maxUnacknowledgedBytes, Path image) {
        String name = image.getFileName().toString().replace(".img", "");
        return TapConfig.builder().port(0).stateDir(dir.resolve("state")).regionSizeBytes(REGION)
                .dirtyRetentionMillis(100).ioThreads(4).export(name, image).initialSync(initialSync)
                .initialSyncChunkBytes(chunkBytes).initialSyncMaxUnacknowledgedBytes(maxUnacknowledgedBytes).build();
    }

    private ReplicatingTap start(TapConfig config) throws Exception {
        return TestTaps.start(receiver, CG, config, Duration.ofSeconds(10), registry);
    }

    private void awaitSyncedAndAcknowledged() {
        await().atMost(DEADLINE).until(() -> !tap.tap().initialSyncRunning());
        assertThat(tap.tap().mode()).isEqualTo(ReplicationMode.STREAMING);
        long last = tap.tap().lastSeq();
        await().atMost(DEADLINE).until(() -> tap.sender().durableSeq() == last);
    }

    private void writeAndAwait(String export, String... commands) throws Exception {
        Tools.assumeInstalled("qemu-io");
        Tools.Result result = Tools.run(DEADLINE, Tools.qemuIo(uri(export), commands));
        assertThat(result.exitCode()).as(result.output()).isZero();
        long last = tap.tap().lastSeq();
        await().atMost(DEADLINE).until(() -> tap.sender().durableSeq() == last);
    }

    private String uri(String export) {
        return "nbd://127.0.0.1:" + tap.tap().port() + "/" + export;
    }

    private double counter(String name) {
        return registry.get(name).tag("disk", "disk0").counter().count();
    }

    /**
     * A 256 MiB sparse image written before the tap starts. Per MiB, by its index modulo 16: random data; written
     * zeros (allocated, all zero); written zeros with a few 512-byte specks of data; 300 KiB of data inside a hole;
     * otherwise a hole.
     */
    private Path sourceImage(String name, long seed) throws IOException {
        Path path = dir.resolve(name + ".img");
        SparseFile.create(path, DISK_BYTES).close();
        Random random = new Random(seed);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            for (long base = 0; base < DISK_BYTES; base += MIB) {
                switch ((int) (base / MIB % 16)) {
                    case 0 -> write(channel, base, randomBytes(random, MIB));
                    case 1 -> write(channel, base, new byte[MIB]);
                    case 2 -> {
                        write(channel, base, new byte[MIB]);
                        for (int i = 0; i < 5; i++) {
                            write(channel, base + random.nextInt(256) * 4096L + random.nextInt(3584), randomBytes(random, 512));
                        }
                    }
                    case 3 -> write(channel, base + (100 << 10), randomBytes(random, 300 << 10));
                    default -> { }
                }
            }
            channel.force(true);
        }
        return path;
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static void write(FileChannel channel, long offset, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer, offset + buffer.position());
        }
    }

    private static long allocatedBytes(Path path) throws IOException {
        try (SparseFile file = SparseFile.openReadOnly(path)) {
            long bytes = 0;
            for (Extent extent : file.dataExtents(0, file.size())) {
                bytes += extent.length();
            }
            return bytes;
        }
    }

    private static BitSet allocatedRegions(Path path) throws IOException {
        BitSet regions = new BitSet();
        try (SparseFile file = SparseFile.openReadOnly(path)) {
            for (Extent extent : file.dataExtents(0, file.size())) {
                regions.set((int) (extent.offset() / REGION), (int) ((extent.end() - 1) / REGION) + 1);
            }
        }
        return regions;
    }

    /** Bytes in 4 KiB blocks holding a non-zero byte, counted by reading the whole file. */
    private static long nonZeroBytes(Path path) throws IOException {
        try (SparseFile file = SparseFile.openReadOnly(path)) {
            long count = 0;
            byte[] block = new byte[4096];
            for (long at = 0; at < file.size(); at += block.length) {
                file.readFully(ByteBuffer.wrap(block), at);
                if (!isZero(block, 0, block.length)) {
                    count += block.length;
                }
            }
            return count;
        }
    }

    private static boolean holdsAZeroBlock(Received record) {
        for (int at = 0; at < record.length(); at += 4096) {
            if (isZero(record.payload(), at, Math.min(record.length(), at + 4096))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean covers(BitSet dirty, BitSet required) {
        BitSet missing = (BitSet) required.clone();
        missing.andNot(dirty);
        return missing.isEmpty();
    }
}
