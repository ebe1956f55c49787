package io.datamover.gateway.source.journal;

import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;

/**
 * How much wall-clock time one journal cycle file covers. Space is released a whole file at a
 * time, so a finer cycle frees space sooner after the target acknowledges; a coarser one makes
 * fewer files.
 */
public enum JournalRollCycle {
    FIVE_MINUTELY(RollCycles.FIVE_MINUTELY),
    TEN_MINUTELY(RollCycles.TEN_MINUTELY),
    FAST_HOURLY(RollCycles.FAST_HOURLY),
    /** One file a second: for tests that idle across many cycles in seconds (the fault campaign). */
    SECONDLY(TestRollCycles.TEST_SECONDLY);

    private final RollCycle chronicle;

    JournalRollCycle(RollCycle chronicle) {
        this.chronicle = chronicle;
    }

    RollCycle chronicle() {
        return chronicle;
    }
}
