package io.datamover.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The leadership state machine and the fencing deadline, with a clock the test moves. */
class LeadershipTest {
    private static final long SESSION = 0x1234L;
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final ContactFence fence = new ContactFence(now::get, Duration.ofSeconds(5));

    @Test
    void aTenureActsOnlyWithinTheWindowAfterItsLastConfirmedContact() {
        Leadership leading = Leadership.INITIAL.next(new Leadership.Event.Elected(1, SESSION));
        fence.confirmed(SESSION, now.get());
        assertThat(fence.allows(leading)).isTrue();

        now.addAndGet(Duration.ofMillis(4_999).toNanos());
        assertThat(fence.allows(leading)).isTrue();
        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(fence.allows(leading)).as("at the deadline").isFalse();

        fence.confirmed(SESSION, now.get() - Duration.ofSeconds(1).toNanos()); // an answer to a request sent 1 s ago
        assertThat(fence.allows(leading)).isTrue();
    }

    @Test
    void contactInAnotherSessionDoesNotKeepATenure() {
        Leadership leading = Leadership.INITIAL.next(new Leadership.Event.Elected(1, SESSION));
        fence.confirmed(SESSION + 1, now.get()); // a new session after the old one expired: the lock went with it
        assertThat(fence.allows(leading)).isFalse();
    }

    @Test
    void anOlderAnswerDoesNotMoveTheDeadlineBack() {
        Leadership leading = Leadership.INITIAL.next(new Leadership.Event.Elected(1, SESSION));
        fence.confirmed(SESSION, now.get());
        fence.confirmed(SESSION, now.get() - Duration.ofSeconds(4).toNanos());
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(fence.allows(leading)).isTrue();
    }

    @Test
    void onlyALeadingTenureMayAct() {
        fence.confirmed(SESSION, now.get());
        Leadership leading = Leadership.INITIAL.next(new Leadership.Event.Elected(3, SESSION));
        Leadership demoted = leading.next(new Leadership.Event.FenceExpired());
        assertThat(demoted).isEqualTo(new Leadership(LeadershipRole.DEMOTED, 3, SESSION));
        assertThat(fence.allows(demoted)).isFalse();
        assertThat(fence.allows(Leadership.INITIAL)).isFalse();
        assertThat(fence.allows(demoted.next(new Leadership.Event.LockLost()))).isFalse();
    }

    @Test
    void transitions() {
        Leadership leading = Leadership.INITIAL.next(new Leadership.Event.Elected(3, SESSION));
        assertThat(leading.role()).isEqualTo(LeadershipRole.LEADING);
        assertThatThrownBy(() -> leading.next(new Leadership.Event.Elected(4, SESSION)))
                .isInstanceOf(IllegalStateException.class);

        Leadership demoted = leading.next(new Leadership.Event.FenceExpired());
        assertThat(demoted.next(new Leadership.Event.Elected(4, SESSION)))
                .isEqualTo(new Leadership(LeadershipRole.LEADING, 4, SESSION));
        assertThatThrownBy(() -> demoted.next(new Leadership.Event.Elected(3, SESSION)))
                .as("a tenure never reuses an epoch").isInstanceOf(IllegalStateException.class);

        Leadership standby = demoted.next(new Leadership.Event.LockLost());
        assertThat(standby).isEqualTo(new Leadership(LeadershipRole.STANDBY, 3, 0));
        assertThat(standby.next(new Leadership.Event.FenceExpired())).isEqualTo(standby);

        Leadership closed = leading.next(new Leadership.Event.Closed());
        assertThat(closed.role()).isEqualTo(LeadershipRole.CLOSED);
        assertThat(closed.next(new Leadership.Event.Elected(9, SESSION))).isEqualTo(closed);
    }
}
