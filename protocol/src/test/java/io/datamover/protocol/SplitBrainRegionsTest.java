package io.datamover.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The split brain's figures written into a refusal and read back from it, as the other site keeps it. */
class SplitBrainRegionsTest {
    @Test
    void theRecoverySitesFigureAndThePromotedSeqReadBackFromTheRefusal() {
        SplitBrainRegions recovery = new SplitBrainRegions(17, 65_536, SplitBrainRegions.Bound.UPPER_BOUND);
        String refusal = "DIVERGED: consistency group 1: split brain: the source o holds ..., journal at seq 90: "
                + SplitBrainRegions.promotedSeqFragment(48, 42) + " (PROMOTED, ...) and wrote on: "
                + recovery.asRecoverySite() + " since the promote. Nothing is applied";

        assertThat(SplitBrainRegions.promotedSeqIn(refusal)).hasValue(42);
        assertThat(SplitBrainRegions.recoveryIn(refusal)).contains(recovery);
        assertThat(recovery.describe()).isEqualTo("17 regions of 65536 bytes (upper bound)");
    }

    @Test
    void aRefusalWithoutTheFiguresHasNone() {
        String bothMovedOn = "DIVERGED: consistency group 1: both sides moved on";
        assertThat(SplitBrainRegions.promotedSeqIn(bothMovedOn)).isEmpty();
        assertThat(SplitBrainRegions.recoveryIn(bothMovedOn)).isEmpty();
        assertThat(SplitBrainRegions.promotedSeqIn(null)).isEmpty();
        assertThat(SplitBrainRegions.recoveryIn(null)).isEmpty();
        assertThatThrownBy(() -> new SplitBrainRegions(-1, 65_536, SplitBrainRegions.Bound.EXACT))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
