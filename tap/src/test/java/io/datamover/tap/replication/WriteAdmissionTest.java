package io.datamover.tap.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.tap.replication.WriteAdmission.Event;
import io.datamover.tap.replication.WriteAdmission.State;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The migration's admission of guest writes: its transition table, the drain of a hold, its deadline, the move. */
class WriteAdmissionTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final WriteAdmission admission = new WriteAdmission(1, now::get);

    @Test
    void theTransitionTable() {
        assertThat(WriteAdmission.next(State.OPEN, Event.HOLD)).isEqualTo(State.HELD);
        assertThat(WriteAdmission.next(State.HELD, Event.HOLD)).isEqualTo(State.HELD);
        assertThat(WriteAdmission.next(State.MOVED, Event.HOLD)).isEqualTo(State.MOVED);
        assertThat(WriteAdmission.next(State.HELD, Event.RELEASE)).isEqualTo(State.OPEN);
        assertThat(WriteAdmission.next(State.HELD, Event.EXPIRE)).isEqualTo(State.OPEN);
        assertThat(WriteAdmission.next(State.MOVED, Event.RELEASE)).as("a release never undoes a move")
                .isEqualTo(State.MOVED);
        assertThat(WriteAdmission.next(State.HELD, Event.MOVE)).isEqualTo(State.MOVED);
        assertThat(WriteAdmission.next(State.OPEN, Event.MOVE)).as("only a hold moves").isEqualTo(State.OPEN);
        assertThat(WriteAdmission.next(State.MOVED, Event.REINSTATE)).isEqualTo(State.OPEN);
        assertThat(WriteAdmission.next(State.HELD, Event.REINSTATE)).isEqualTo(State.HELD);
        assertThat(WriteAdmission.next(State.OPEN, Event.MOVED_BEFORE_START)).isEqualTo(State.MOVED);
    }

    @Test
    void aHoldReturnsOnceTheRunningWritesEndedAndExpiresAtItsDeadline() throws Exception {
        admission.enter();
        assertThat(admission.hold(TimeUnit.SECONDS.toNanos(30), 0)).as("a write still runs").isFalse();
        CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
            try {
                return admission.hold(TimeUnit.SECONDS.toNanos(30), TimeUnit.SECONDS.toNanos(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        admission.exit();
        assertThat(drained.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(admission.state()).isEqualTo(State.HELD);

        now.addAndGet(TimeUnit.SECONDS.toNanos(30));
        assertThat(admission.state()).as("past its deadline").isEqualTo(State.OPEN);
        assertThatThrownBy(() -> admission.move("there")).isInstanceOf(IllegalStateException.class);
        admission.enter(); // admitted at once
        admission.exit();
    }

    @Test
    void aMoveRefusesEveryWriteUntilAReinstate() throws Exception {
        assertThat(admission.hold(TimeUnit.SECONDS.toNanos(30), 0)).isTrue();
        admission.move("nbd://recovery:10809");
        admission.release();
        assertThat(admission.state()).isEqualTo(State.MOVED);
        assertThatThrownBy(admission::enter).isInstanceOf(WriteAdmission.MovedException.class)
                .hasMessageContaining("nbd://recovery:10809");
        assertThatThrownBy(() -> admission.hold(1, 0)).isInstanceOf(IllegalStateException.class);
        admission.reinstate();
        admission.enter();
        admission.exit();
    }
}
