package io.datamover.tap;

import static io.datamover.tap.support.Tools.qemuIo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.datamover.tap.replication.WriteAdmission;
import io.datamover.tap.support.TapTestBase;
import io.datamover.tap.support.Tools;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A planned migration at the tap, with qemu-io as the guest: a held write waits (no error) and completes once
 * released, or once the hold's deadline passes by itself; the group's last seq does not move while held; a move from
 * the hold refuses every write with EPERM, durably across a restart, reads still served; a reinstate takes writes
 * again.
 */
class MigrationHoldTest extends TapTestBase {
    private static final int SIZE = 16 << 20;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private TapConfig config;

    @BeforeEach
    void start() throws Exception {
        Tools.assumeInstalled("qemu-io");
        config = fixture.serve(fixture.config().consistencyGroupId(7), SIZE, "disk0").config();
    }

    @Test
    void aHeldWriteWaitsWithoutAnErrorAndGoesOnWhenReleased() throws Exception {
        write("write -P 0x01 0 64k");
        long seq = fixture.tap.hold(Duration.ofMinutes(1), Duration.ofSeconds(10));
        assertThat(seq).isEqualTo(fixture.tap.lastSeq());

        Tools.Running held = Tools.start(qemuIo(fixture.uri("disk0"), "write -P 0x02 1m 64k"));
        await().atMost(DEADLINE).until(() -> fixture.tap.admission().waiting() == 1);
        assertThat(fixture.tap.lastSeq()).as("no seq taken while held").isEqualTo(seq);
        assertThat(held.process().isAlive()).isTrue();

        fixture.tap.release();
        Tools.Result result = held.await(DEADLINE);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).doesNotContain("failed");
        assertThat(fixture.tap.lastSeq()).isEqualTo(seq + 1);
        assertThat(fixture.tap.admission().state()).isEqualTo(WriteAdmission.State.OPEN);
    }

    @Test
    void aHoldEndsByItselfAtItsDeadline() throws Exception {
        fixture.tap.hold(Duration.ofMillis(300), Duration.ofSeconds(10));
        write("write -P 0x03 0 64k"); // waits out the hold, then succeeds
        assertThat(fixture.tap.admission().state()).isEqualTo(WriteAdmission.State.OPEN);
        assertThatThrownBy(() -> fixture.tap.moveTo(fixture.tap.lastSeq(), "elsewhere"))
                .as("no move once the hold is over: writes ran since").isInstanceOf(IllegalStateException.class);
        assertThat(Files.exists(config.stateDir().resolve(Tap.MOVED_MARKER))).isFalse();
    }

    @Test
    void aMovedTapRefusesWritesAcrossARestartAndAReinstateTakesThemAgain() throws Exception {
        write("write -P 0x04 0 64k");
        long seq = fixture.tap.hold(Duration.ofMinutes(1), Duration.ofSeconds(10));
        Tools.Running waiting = Tools.start(qemuIo(fixture.uri("disk0"), "write -P 0x05 2m 64k"));
        await().atMost(DEADLINE).until(() -> fixture.tap.admission().waiting() == 1);
        assertThatThrownBy(() -> fixture.tap.moveTo(seq + 1, "nbd://recovery:10809"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not " + (seq + 1));

        fixture.tap.moveTo(seq, "nbd://recovery:10809");
        fixture.tap.moveTo(seq, "nbd://recovery:10809"); // repeatable
        Tools.Result refused = waiting.await(DEADLINE);
        assertThat(refused.output()).as("the held write is refused").contains("Operation not permitted");
        assertThat(Tap.moved(config.stateDir())).contains(new Tap.Moved(seq, "nbd://recovery:10809"));

        fixture.tap.close();
        fixture.start(config);
        assertThat(fixture.tap.admission().state()).isEqualTo(WriteAdmission.State.MOVED);
        Tools.Result again = Tools.run(DEADLINE, qemuIo(fixture.uri("disk0"), "write -P 0x06 0 4k"));
        assertThat(again.output()).contains("Operation not permitted");
        write("read -P 0x04 0 64k"); // reads are served
        assertThat(fixture.tap.lastSeq()).as("nothing ordered after the move").isLessThanOrEqualTo(seq);

        fixture.tap.reinstate();
        assertThat(Tap.moved(config.stateDir())).isEmpty();
        write("write -P 0x07 0 4k", "read -P 0x07 0 4k");
    }

    private void write(String... commands) throws Exception {
        Tools.Result result = Tools.run(DEADLINE, qemuIo(fixture.uri("disk0"), commands));
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).doesNotContain("failed");
    }
}
