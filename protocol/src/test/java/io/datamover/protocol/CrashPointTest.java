package io.datamover.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The crash injector's arming; the crash itself is exercised end to end by integration-tests' CrashPointTest. */
class CrashPointTest {

    @Test
    void unarmedWithoutTheProperty() {
        assertThat(CrashPoint.armedPoint(null)).isNull();
        assertThat(CrashPoint.armedPoint(" ")).isNull();
        assertThat(CrashPoint.armed()).isNull(); // this JVM: every reached() below is a no-op
        for (CrashPoint.Point p : CrashPoint.Point.values()) {
            CrashPoint.reached(p);
        }
    }

    @Test
    void armedByNameInAnyCase() {
        assertThat(CrashPoint.armedPoint("source_journal_synced")).isEqualTo(CrashPoint.Point.SOURCE_JOURNAL_SYNCED);
        assertThat(CrashPoint.armedPoint(" TARGET_APPLY_SYNCED ")).isEqualTo(CrashPoint.Point.TARGET_APPLY_SYNCED);
    }

    @Test
    void anUnknownPointIsRefusedWithTheListOfPoints() {
        assertThatThrownBy(() -> CrashPoint.armedPoint("JOURNAL_SYNC")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("JOURNAL_SYNC is not a crash point").hasMessageContaining("TAP_DIRTY_MARKED");
    }

    @Test
    void theHitCountStartsAtOne() {
        assertThat(CrashPoint.hitsBeforeCrash("1")).isEqualTo(1);
        assertThat(CrashPoint.hitsBeforeCrash(" 12 ")).isEqualTo(12);
        assertThatThrownBy(() -> CrashPoint.hitsBeforeCrash("0")).hasMessageContaining("must be >= 1");
        assertThatThrownBy(() -> CrashPoint.hitsBeforeCrash("x")).hasMessageContaining("is not a number");
    }
}
