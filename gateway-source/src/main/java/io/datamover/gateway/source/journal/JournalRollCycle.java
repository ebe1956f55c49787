package io.datamover.gateway.source.journal;

import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;

/**
 * How much wall-clock time one journal cycle file covers. Space is released a whole file at a
 * time, so a finer cycle frees space sooner after the target acknowledges; a coarser one makes
 * fewer files.
 */
public enum JournalRollCycle {
    FIVE_MINUTELY(RollCycles.FIVE_MINUTELY),
    TEN_MINUTELY(RollCycles.TEN_MINUTELY),
    FAST_HOURLY(RollCycles.FAST_HOURLY);

    private final RollCycle chronicle;

    JournalRollCycle(RollCycle chronicle) {
        this.chronicle = chronicle;
    }

    RollCycle chronicle() {
        return chronicle;
    }
}
