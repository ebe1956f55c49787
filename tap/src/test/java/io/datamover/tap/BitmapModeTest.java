package io.datamover.tap;

import static io.datamover.tap.support.Tools.qemuIo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.disk.SparseFile;
import io.datamover.tap.bitmap.BitmapIdentity;
import io.datamover.tap.bitmap.DirtyBitmap;
import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.support.TapTestBase;
import io.datamover.tap.support.Tools;
import java.time.Duration;
import java.util.BitSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sink refuses: the guest goes on at full speed, every written region stays dirty, durably. */
class BitmapModeTest extends TapTestBase {

    private static final int SIZE = 16 << 20;
    private static final int REGION = 64 << 10;
    /** The activity log's extent: a write marks the whole extent dirty, ahead of the writes after it. */
    private static final int EXTENT = 4 << 20;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private TapConfig config;

    @BeforeEach
    void start() throws Exception {
        Tools.assumeInstalled("qemu-io");
        fixture.sink.refuse(true);
        config = fixture.serve(fixture.config().consistencyGroupId(7), SIZE, "disk0").config();
    }

    @Test
    void refusedWritesLeaveDurableDirtyBitsUntilAcknowledged() throws Exception {
        write("write -P 0x01 0 4k", "write -P 0x02 200k 200k", "write -z 1m 64k", "discard 15m 128k");
        assertThat(fixture.tap.mode()).isEqualTo(ReplicationMode.BITMAP);
        assertThat(fixture.sink.records()).isEmpty();
        BitSet expected = extents(0, 4096, 200 << 10, 200 << 10, 1 << 20, 64 << 10, 15 << 20, 128 << 10);
        assertThat(fixture.tap.dirtyRegions("disk0")).isEqualTo(expected);
        assertThat(fixture.registry.get("datamover.tap.bitmap.hot.extents").tag("disk", "disk0").gauge().value())
                .as("extents 0 and 3").isEqualTo(2.0);
        assertThat(dirtyRegionsGauge()).isEqualTo(expected.cardinality());

        // Simulated crash: read the bitmap file as it is on disk, the tap never closed nor flushed on purpose.
        BitmapIdentity identity;
        try (SparseFile disk = SparseFile.openReadOnly(config.exports().getFirst().path())) {
            identity = new BitmapIdentity(config.pairId(), 7, disk.identity());
        }
        try (DirtyBitmap onDisk = DirtyBitmap.open(config.stateDir().resolve("disk0.dirty"), identity, SIZE, REGION,
                pages -> { })) {
            assertThat(onDisk.snapshot()).isEqualTo(expected);
        }

        fixture.tap.acknowledge(7, fixture.tap.lastSeq());
        await().atMost(Duration.ofSeconds(10)).until(() -> fixture.tap.dirtyRegions("disk0").isEmpty());
        assertThat(dirtyRegionsGauge()).isZero();

        write("write -P 0x03 8m 1k");
        BitSet later = regions(8 << 20, 1024);
        assertThat(fixture.tap.dirtyRegions("disk0")).isEqualTo(extents(8 << 20, 1024));

        fixture.tap.close();
        fixture.start(config);
        assertThat(fixture.tap.dirtyRegions("disk0")).as("dirty bits survive a restart; a clean close clears the rest"
                + " of the extent").isEqualTo(later);
        assertThat(fixture.tap.mode()).as("a restart with dirty regions needs a resync first").isEqualTo(ReplicationMode.BITMAP);
        write("read -P 0x03 8m 1k");
    }

    private void write(String... commands) throws Exception {
        Tools.Result result = Tools.run(DEADLINE, qemuIo(fixture.uri("disk0"), commands));
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).doesNotContain("failed");
    }

    /** Regions of the extents covered by (offset, length) pairs. */
    private static BitSet extents(long... ranges) {
        long[] whole = new long[ranges.length];
        for (int i = 0; i < ranges.length; i += 2) {
            whole[i] = ranges[i] / EXTENT * EXTENT;
            whole[i + 1] = (ranges[i] + ranges[i + 1] - 1) / EXTENT * EXTENT + EXTENT - whole[i];
        }
        return regions(whole);
    }

    /** Regions covered by (offset, length) pairs. */
    private static BitSet regions(long... ranges) {
        BitSet bits = new BitSet();
        for (int i = 0; i < ranges.length; i += 2) {
            bits.set((int) (ranges[i] / REGION), (int) ((ranges[i] + ranges[i + 1] - 1) / REGION) + 1);
        }
        return bits;
    }

    private double dirtyRegionsGauge() {
        return fixture.registry.get("datamover.tap.bitmap.dirty.regions").tags("cg", "7", "disk", "disk0").gauge()
                .value();
    }
}
