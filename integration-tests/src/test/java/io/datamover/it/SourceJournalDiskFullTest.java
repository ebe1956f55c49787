package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source gateway's journal fills its disk (ENOSPC: the data directory on a small tmpfs, the target stopped, the
 * guest writing): the tap is refused with JOURNAL_FULL, never SHUTTING_DOWN, and goes to bitmap mode; status and
 * the log say why; a restart of the source gateway on the full disk starts and reports; once the target is back,
 * shipping frees the journal's space and the gateway takes the tap's records again on its own; the pair converges
 * with every acknowledged write. Root is needed for the tmpfs; without it the test is aborted, not passed.
 */
class SourceJournalDiskFullTest {
    private static final int TMPFS_MIB = 32;
    private static final Duration DEADLINE = FaultAwaits.DEADLINE;
    private static final String WRITE_FAILURES = "datamover_journal_write_failures_total";
    private static final String NO_SPACE = "No space left on device";
    /** How status words the journal's outage (the tap's last error may quote the disk's error for longer). */
    private static final String OUTAGE = "the journal cannot store records since";

    @TempDir
    Path base;

    @Test
    void aFullJournalDiskSendsTheTapToBitmapModeAndShippingGivesTheSpaceBack() throws Exception {
        try (Tmpfs tmpfs = Tmpfs.mount(base.resolve("source-data"), TMPFS_MIB);
                ReplicatingGuest pair = ReplicatingGuest.start(base, List.of(), 41)) {
            ReplicationSite site = pair.site;
            site.killTarget();
            FaultAwaits.atLeast(DEADLINE, "the tap refused", () -> refusals(site, "origin=\"local\""), 1);
            FaultAwaits.atLeast(DEADLINE, "the tap refused with JOURNAL_FULL",
                    () -> refusals(site, "code=\"JOURNAL_FULL\""), 1);
            assertThat(refusals(site, "code=\"SHUTTING_DOWN\"")).isZero();
            assertThat(AdminMetrics.sum(site.sourceAdmin(), WRITE_FAILURES)).as("appends refused by the full disk")
                    .isPositive();
            assertThat(AdminStatus.json(site.sourceAdmin())).as("status while the disk is full").contains(OUTAGE)
                    .contains(NO_SPACE);
            assertThat(AdminMetrics.sum(site.sourceAdmin(), "datamover_source_journal_storage_failed")).isEqualTo(1);
            pair.keepsWriting(); // the guest is never stalled: the tap keeps dirty bits

            site.killSource();
            site.startSource();
            FaultAwaits.atLeast(DEADLINE, "appends refused again after a restart on the full disk",
                    () -> AdminMetrics.sum(site.sourceAdmin(), WRITE_FAILURES), 1);
            assertThat(AdminStatus.json(site.sourceAdmin())).as("status after the restart").contains(OUTAGE);

            double resyncsBefore = resyncsCompleted(site);
            site.startTarget();
            try {
                FaultAwaits.until(DEADLINE, "the journal takes records again", () ->
                        AdminMetrics.sum(site.sourceAdmin(), "datamover_source_journal_storage_failed") == 0
                                && !AdminStatus.json(site.sourceAdmin()).contains(OUTAGE));
                FaultAwaits.atLeast(DEADLINE, "a completed resync of the dirty regions", () -> resyncsCompleted(site),
                        resyncsBefore + 1);
                pair.keepsWriting();
                pair.converges();
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; tap " + site.tapStatus() + ", source "
                        + AdminStatus.json(site.sourceAdmin()) + ", target " + site.targetStatus() + ", tmpfs "
                        + Files.getFileStore(base.resolve("source-data")).getUsableSpace() + " bytes free\n"
                        + site.logTails(), e);
            }

            String sourceLog = Files.readString(base.resolve("source.log"));
            assertThat(sourceLog).contains(NO_SPACE).contains("the journal takes records again")
                    .doesNotContain("SHUTTING_DOWN").doesNotContain("the shipper stopped on an unexpected failure")
                    .doesNotContain("owner thread failed");
            assertThat(Files.readString(base.resolve("tap.log"))).contains("JOURNAL_FULL")
                    .doesNotContain("SHUTTING_DOWN");
        }
    }

    private static double refusals(ReplicationSite site, String label) throws InterruptedException {
        return AdminMetrics.sum(site.sourceAdmin(), "datamover_source_receiver_errors_total", label);
    }

    private static double resyncsCompleted(ReplicationSite site) throws InterruptedException {
        return AdminMetrics.sum(site.tapAdmin(), "datamover_tap_resync_runs_total", "outcome=\"completed\"");
    }
}
