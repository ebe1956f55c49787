package io.datamover.tap;

import static io.datamover.tap.support.Tools.qemuIo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.support.TapTestBase;
import io.datamover.tap.support.Tools;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's pause at the tap: writes reach the disk but no record is offered, their regions stay dirty, the pause
 * survives a restart (the state directory's {@code paused}), and resume hands the group to bitmap mode for its resync.
 */
class PauseTest extends TapTestBase {
    private static final int SIZE = 16 << 20;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private TapConfig config;

    @BeforeEach
    void start() throws Exception {
        Tools.assumeInstalled("qemu-io");
        config = fixture.serve(fixture.config().consistencyGroupId(5), SIZE, "disk0").config();
    }

    @Test
    void pausedWritesAreKeptAsDirtyRegionsAcrossARestartUntilTheResume() throws Exception {
        write("write -P 0x01 0 4k");
        await().atMost(DEADLINE).until(() -> !fixture.sink.records().isEmpty()); // handed off after the reply
        int streamed = fixture.sink.records().size();

        fixture.tap.pause();
        fixture.tap.pause(); // idempotent
        assertThat(fixture.tap.mode()).isEqualTo(ReplicationMode.PAUSED);
        assertThat(Files.exists(config.stateDir().resolve(Tap.PAUSE_MARKER))).isTrue();
        write("write -P 0x02 8m 64k");
        assertThat(fixture.sink.records()).as("nothing offered while paused").hasSize(streamed);
        assertThat(fixture.tap.dirtyRegions("disk0").get((8 << 20) / config.regionSizeBytes())).isTrue();
        fixture.tap.replicationLost("the sender's stream broke");
        assertThat(fixture.tap.mode()).as("a loss does not end a pause").isEqualTo(ReplicationMode.PAUSED);

        fixture.tap.close();
        fixture.start(config);
        assertThat(fixture.tap.mode()).as("a restarted tap stays paused").isEqualTo(ReplicationMode.PAUSED);
        assertThat(fixture.tap.dirtyRegions("disk0").get((8 << 20) / config.regionSizeBytes())).isTrue();

        AtomicInteger toBitmap = new AtomicInteger();
        fixture.tap.onBitmapMode(toBitmap::incrementAndGet);
        fixture.tap.resume();
        fixture.tap.resume(); // idempotent
        assertThat(fixture.tap.mode()).as("bitmap mode, whose owner resyncs").isEqualTo(ReplicationMode.BITMAP);
        assertThat(toBitmap).as("the stream owner is told once").hasValue(1);
        assertThat(Files.exists(config.stateDir().resolve(Tap.PAUSE_MARKER))).isFalse();
    }

    private void write(String... commands) throws Exception {
        Tools.Result result = Tools.run(DEADLINE, qemuIo(fixture.uri("disk0"), commands));
        assertThat(result.exitCode()).as(result.output()).isZero();
    }
}
