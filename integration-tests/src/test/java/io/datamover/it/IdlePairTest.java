package io.datamover.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pair idles across several of the source journal's cycles (one-second files here, five-minute ones by
 * default: a night's idle does the same), then the guest writes again: the journal must take the writes and the
 * pair converge. It used to fail for good at the first release after the idle ("'file not found' for the
 * upperCycle").
 */
class IdlePairTest {
    private static final Duration IDLE = Duration.ofSeconds(4);

    @TempDir
    Path base;

    @Test
    void writesAfterAnIdleOfSeveralJournalCyclesReplicate() throws Exception {
        try (ReplicatingGuest pair = ReplicatingGuest.start(base, List.of("--journal-roll-cycle", "SECONDLY"), 43)) {
            pair.guest.idle(IDLE);
            pair.keepsWriting(); // the idle starts at the next request: 20 more writes come after it
            pair.guest.idle(IDLE);
            pair.keepsWriting();
            pair.converges();
        }
    }
}
