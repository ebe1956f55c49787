package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source journal full: a small {@code --journal-max} and the link to the target stalled until the journal
 * refuses the tap (JOURNAL_FULL), which goes to bitmap mode; once the link is back the tap resyncs its dirty
 * regions and the pair converges with every acknowledged write. The guest is never stalled meanwhile.
 */
class JournalFullTest {
    @TempDir
    Path base;

    @Test
    void aFullJournalSendsTheTapToBitmapModeThenAResyncConverges() throws Exception {
        try (ReplicatingGuest pair = ReplicatingGuest.start(base, ReplicationSite.SMALL_JOURNAL, 31)) {
            ReplicationSite site = pair.site;
            site.stallLinkUntilJournalFull(FaultAwaits.DEADLINE);
            assertThat(AdminMetrics.sum(site.sourceAdmin(), "datamover_journal_full_refusals_total"))
                    .as("the journal refused the tap").isPositive();
            FaultAwaits.atLeast(FaultAwaits.DEADLINE, "completed resyncs", () -> AdminMetrics.sum(site.tapAdmin(),
                    "datamover_tap_resync_runs_total", "outcome=\"completed\""), 1);
            pair.keepsWriting();
            pair.converges();
        }
    }
}
