package io.datamover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.GenerationHistory;
import org.junit.jupiter.api.Test;

/** Which generation the recovery site's replicas keep at a failback: the newest one holding a seq. */
class RecoverySiteFailbackTest {
    private static final long PROMOTED_SEQ = 40;
    private static final long FAILBACK_SEQ = 90;
    /** The failover's generation F after the source's G@40, flagged by reverse as discarding the replica. */
    private final GenerationHistory promoted = GenerationHistory.first().next(PROMOTED_SEQ, true);
    /** X1: the reverse source gateway's first opening; it wrote up to 90 in it. */
    private final GenerationHistory x1 = promoted.next(PROMOTED_SEQ, false);

    @Test
    void aGenerationStartedAtTheLastOpeningWithoutAWriteIsLeftOut() {
        GenerationHistory x2 = x1.next(FAILBACK_SEQ, false); // restarted, never reached the original site
        assertThat(RecoverySiteFailback.newestHolding(x2, FAILBACK_SEQ, promoted.current())).isEqualTo(x1);
        assertThat(RecoverySiteFailback.newestHolding(x1, FAILBACK_SEQ, promoted.current())).isEqualTo(x1);
    }

    @Test
    void withoutAWriteAfterThePromoteThePromotedGenerationIsKept() {
        GenerationHistory x2 = x1.next(PROMOTED_SEQ, false);
        assertThat(RecoverySiteFailback.newestHolding(x2, PROMOTED_SEQ, promoted.current())).isEqualTo(promoted);
    }
}
