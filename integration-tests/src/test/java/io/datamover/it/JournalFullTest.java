package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.bench.link.LinkSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source journal full: a small {@code --journal-max} and the link to the target stalled until the journal
 * refuses the tap (JOURNAL_FULL), which goes to bitmap mode; once the link is back the tap resyncs its dirty
 * regions and the pair converges with every acknowledged write. The guest is never stalled meanwhile.
 */
class JournalFullTest {
    private static final long DISK = 64L << 20;
    private static final Duration DEADLINE = FaultAwaits.DEADLINE;

    @TempDir
    Path base;

    @Test
    void aFullJournalSendsTheTapToBitmapModeThenAResyncConverges() throws Exception {
        Path initial = Disks.sparse(base.resolve("initial.img"), DISK);
        try (ReplicationSite site = new ReplicationSite(base, DISK, "2M", ReplicationSite.SMALL_JOURNAL).start();
                CampaignWorkload guest = new CampaignWorkload(site.nbdPort(), ReplicationSite.EXPORT, DISK,
                        2L << 20, 31).start()) {
            guest.awaitWrites(0, 20, DEADLINE);
            FaultAwaits.replicating(site);

            site.stallLinkUntilJournalFull(DEADLINE);
            assertThat(AdminMetrics.sum(site.sourceAdmin(), "datamover_journal_full_refusals_total"))
                    .as("the journal refused the tap").isPositive();
            FaultAwaits.atLeast(DEADLINE, "completed resyncs", () -> AdminMetrics.sum(site.tapAdmin(),
                    "datamover_tap_resync_runs_total", "outcome=\"completed\""), 1);
            guest.awaitWrites(guest.log().size(), 20, DEADLINE);
            FaultAwaits.converges(site, guest, initial);
        }
    }
}
