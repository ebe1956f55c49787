package io.datamover.tap;

import static io.datamover.tap.support.Tools.qemuIo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.protocol.RecordKind;
import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.support.CapturingSink.Captured;
import io.datamover.tap.support.TapTestBase;
import io.datamover.tap.support.Tools;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several real clients write at once, to two disks of one consistency group, with overlapping ranges: the sink gets
 * every write once, in seq order, gap-free, and replaying the records onto empty disks rebuilds the tap's disks.
 */
class InterceptionTest extends TapTestBase {

    private static final int SIZE = 4 << 20;
    private static final Duration DEADLINE = Duration.ofSeconds(120);


    @BeforeEach
    void start() throws Exception {
        Tools.assumeInstalled("qemu-io");
        fixture.serve(fixture.config().consistencyGroupId(42).firstSeq(1000), SIZE, "disk0", "disk1");
        // New blank disks: their initial sync is only SYNC_BEGIN and SYNC_END each.
        await().atMost(Duration.ofSeconds(10)).until(() -> !fixture.tap.initialSyncRunning());
    }

    @Test
    void recordsArriveInSeqOrderAndReplayToTheSameDisks() throws Exception {
        // Two clients on disk0 hammer the same ranges with different patterns; a third writes disk1.
        List<Tools.Running> clients = List.of(
                Tools.start(qemuIo(fixture.uri("disk0"), writes(0xa1, 0))),
                Tools.start(qemuIo(fixture.uri("disk0"), writes(0xb2, 4096))),
                Tools.start(qemuIo(fixture.uri("disk1"), writes(0xc3, 512))));
        for (Tools.Running client : clients) {
            Tools.Result result = client.await(DEADLINE);
            assertThat(result.exitCode()).as(result.output()).isZero();
        }

        long markers = 4;
        long written = fixture.tap.lastSeq() - 999 - markers;
        assertThat(written).isEqualTo(3 * 50);
        await().atMost(Duration.ofSeconds(10)).until(() -> fixture.sink.records().size() == written + markers);
        List<Captured> records = fixture.sink.records();
        for (int i = 0; i < records.size(); i++) {
            assertThat(records.get(i).seq()).as("gap-free and in order").isEqualTo(1000 + i);
            assertThat(records.get(i).cg()).isEqualTo(42);
        }
        assertThat(records).extracting(Captured::kind).contains(RecordKind.DATA, RecordKind.ZERO, RecordKind.TRIM);
        assertThat(fixture.tap.mode()).isEqualTo(ReplicationMode.STREAMING);

        byte[][] replica = {new byte[SIZE], new byte[SIZE]};
        for (Captured record : records) {
            byte[] disk = replica[record.disk()];
            if (record.kind() == RecordKind.DATA) {
                System.arraycopy(record.payload(), 0, disk, (int) record.offset(), record.length());
            } else {
                Arrays.fill(disk, (int) record.offset(), (int) record.offset() + record.length(), (byte) 0);
            }
        }
        assertThat(Arrays.equals(replica[0], fixture.contents("disk0"))).as("replayed disk0 equals the tap's").isTrue();
        assertThat(Arrays.equals(replica[1], fixture.contents("disk1"))).as("replayed disk1 equals the tap's").isTrue();

        assertThat(fixture.tap.dirtyRegions("disk0").isEmpty()).as("unacknowledged writes keep regions dirty").isFalse();
        fixture.tap.acknowledge(42, fixture.tap.lastSeq());
        await().atMost(Duration.ofSeconds(10)).until(() ->
                fixture.tap.dirtyRegions("disk0").isEmpty() && fixture.tap.dirtyRegions("disk1").isEmpty());
    }

    /** 50 writes over the first 1 MiB: patterns at shifting offsets, a few zero writes and discards. */
    private static String[] writes(int pattern, int shift) {
        List<String> commands = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int offset = (i * 37_000 + shift) % (1 << 20);
            if (i % 10 == 7) {
                commands.add("write -z " + offset + " 20000");
            } else if (i % 10 == 9) {
                commands.add("discard " + offset + " 8192");
            } else {
                commands.add("aio_write -P " + (pattern + i % 5) + " " + offset + " 70000");
            }
        }
        commands.add("aio_flush");
        return commands.toArray(String[]::new);
    }
}
