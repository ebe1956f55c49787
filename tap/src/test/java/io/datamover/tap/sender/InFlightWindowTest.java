package io.datamover.tap.sender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InFlightWindowTest {

    @Test
    void reservesUpToTheCapacityAndReleasesThroughAnAckedSeq() {
        InFlightWindow window = new InFlightWindow(100);
        assertThat(window.tryReserve(1, 40)).isTrue();
        assertThat(window.tryReserve(2, 40)).isTrue();
        assertThat(window.tryReserve(3, 40)).isFalse();
        assertThat(window.bytesInUse()).isEqualTo(80);

        assertThat(window.releaseThrough(1)).isEqualTo(40);
        assertThat(window.tryReserve(3, 40)).isTrue();
        assertThat(window.releaseThrough(3)).isEqualTo(80);
        assertThat(window.bytesInUse()).isZero();
        assertThat(window.records()).isZero();
    }

    @Test
    void growsPastItsInitialSizeKeepingOrder() {
        InFlightWindow window = new InFlightWindow(1 << 20);
        for (long seq = 1; seq <= 5_000; seq++) {
            assertThat(window.tryReserve(seq, 10)).isTrue();
            if (seq % 3 == 0) {
                window.releaseThrough(seq - 100); // keeps the ring wrapped while it grows
            }
        }
        // Last release was through 4_898: 4_899..5_000 remain.
        assertThat(window.records()).isEqualTo(102);
        assertThat(window.releaseThrough(4_950)).isEqualTo(52 * 10);
        assertThat(window.records()).isEqualTo(50);
        assertThat(window.bytesInUse()).isEqualTo(500);
    }

    @Test
    void refusesSeqsOutOfOrderAndForgetsEverythingOnClear() {
        InFlightWindow window = new InFlightWindow(100);
        window.tryReserve(5, 10);
        assertThatThrownBy(() -> window.tryReserve(5, 10)).isInstanceOf(IllegalStateException.class);
        window.clear();
        assertThat(window.bytesInUse()).isZero();
        assertThat(window.tryReserve(6, 100)).isTrue();
    }
}
