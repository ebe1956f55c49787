package io.datamover.tap;

import static io.datamover.tap.support.Tools.qemuIo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.datamover.tap.export.DiskShrankException;
import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.support.CapturingSink;
import io.datamover.tap.support.TapTestBase;
import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A disk grown under a running tap ({@link Tap#growDisks}, what {@code datamover resize} and the size watch call):
 * the sink is told before NBD clients may use the new size, a new connection then writes past the old end and its
 * record reaches the sink, data already in the new part is pinned for a resync, a shrink is refused with nothing
 * changed, and a restart opens the grown bitmap as it is.
 */
class GrowWhileServingTest extends TapTestBase {
    private static final long MIB = 1L << 20;
    private static final long SIZE = 16 * MIB;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private TapConfig config;
    private Path image;

    @BeforeEach
    void start() throws Exception {
        Tools.assumeInstalled("qemu-io");
        config = fixture.serve(fixture.config().consistencyGroupId(7), SIZE, "disk0").config();
        image = fixture.dir.resolve("disk0.img");
    }

    @Test
    void aGrownDiskIsServedAtItsNewSizeOnlyAfterTheSinkKnowsAndAShrinkIsRefused() throws Exception {
        write("write -P 0x01 0 64k");
        assertThat(fixture.tap.growDisks(Optional.empty())).as("nothing grew").isEmpty();

        resize(2 * SIZE);
        AtomicLong servedWhenTold = new AtomicLong();
        fixture.sink.onDisksGrown(() -> servedWhenTold.set(fixture.tap.diskSizes().get("disk0")));
        assertThat(fixture.tap.growDisks(Optional.of("disk0"))).containsExactly(
                new Tap.DiskGrowth("disk0", SIZE, 2 * SIZE));
        assertThat(fixture.sink.grownTo()).containsExactly(List.of(2 * SIZE));
        assertThat(servedWhenTold).as("NBD clients see the new size only after the sink knows it").hasValue(SIZE);
        assertThat(fixture.tap.diskSizes()).containsEntry("disk0", 2 * SIZE);
        assertThat(fixture.tap.growDisks(Optional.empty())).as("repeated: nothing more").isEmpty();
        assertThat(fixture.tap.mode()).as("a hole grown: nothing to resync").isEqualTo(ReplicationMode.STREAMING);

        write("write -P 0x02 " + (SIZE + 4 * MIB) + " 64k", "write -P 0x03 " + (SIZE - 32 * 1024) + " 64k");
        await().atMost(DEADLINE).until(() -> fixture.sink.writes().stream().anyMatch(
                w -> w.offset() == SIZE + 4 * MIB));
        CapturingSink.Captured across = fixture.sink.writes().stream().filter(w -> w.offset() == SIZE - 32 * 1024)
                .findFirst().orElseThrow();
        assertThat(across.length()).as("a write across the old end is one record").isEqualTo(64 * 1024);

        // Stale data in the new part (a logical volume extended over old blocks): pinned, the group resyncs it.
        resize(3 * SIZE);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.seek(2 * SIZE + MIB);
            file.write(new byte[] {1, 2, 3});
        }
        assertThat(fixture.tap.growDisks(Optional.empty())).hasSize(1);
        int staleRegion = (int) ((2 * SIZE + MIB) / config.regionSizeBytes());
        assertThat(fixture.tap.regionsThatMustStayDirty("disk0").get(staleRegion)).isTrue();
        assertThat(fixture.tap.mode()).isEqualTo(ReplicationMode.BITMAP);

        resize(2 * SIZE);
        assertThatThrownBy(() -> fixture.tap.growDisks(Optional.empty())).isInstanceOf(DiskShrankException.class)
                .hasMessage(DiskShrankException.describe("disk0", 3 * SIZE, 2 * SIZE));
        assertThat(fixture.tap.diskSizes()).as("nothing changed").containsEntry("disk0", 3 * SIZE);
        assertThat(fixture.registry.counter(Tap.DISK_SHRINK_REFUSALS, "cg", "7", "disk", "disk0").count()).isOne();
        assertThat(fixture.registry.counter(Tap.DISK_GROWTHS, "cg", "7", "disk", "disk0").count()).isEqualTo(2);
        assertThatThrownBy(() -> fixture.tap.growDisks(Optional.of("nope"))).isInstanceOf(
                IllegalArgumentException.class);
        resize(3 * SIZE);

        fixture.tap.close();
        fixture.start(config);
        assertThat(fixture.tap.diskSizes()).containsEntry("disk0", 3 * SIZE);
        assertThat(fixture.tap.dirtyRegions("disk0").get(staleRegion)).as("still dirty for its resync").isTrue();
    }

    private void resize(long size) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(size);
        }
    }

    private void write(String... commands) throws Exception {
        Tools.Result result = Tools.run(DEADLINE, qemuIo(fixture.uri("disk0"), commands));
        assertThat(result.exitCode()).as(result.output()).isZero();
    }
}
