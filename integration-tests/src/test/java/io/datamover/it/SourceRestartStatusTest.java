package io.datamover.it;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source gateway restarted while the pair is idle (every write applied, none new) reports what the target
 * applied and no lag, as it did before the restart: the applied seq is not only learnt from APPLIED acks, which
 * only new writes bring.
 */
class SourceRestartStatusTest {
    private static final Pattern LAG_RECORDS = Pattern.compile("\"lagRecords\":(\\d+)");

    @TempDir
    Path base;

    @Test
    void aRestartedIdleSourceGatewayReportsTheTargetsAppliedSeqAndNoLag() throws Exception {
        try (ReplicatingGuest pair = ReplicatingGuest.start(base, List.of(), 41)) {
            ReplicationSite site = pair.site;
            pair.converges(); // the guest stopped and the target applied all it wrote
            long applied = site.targetStatus().appliedSeq();

            site.killSource();
            site.startSource();

            FaultAwaits.until(FaultAwaits.DEADLINE, "the restarted source gateway reports applied seq " + applied
                    + " and no lag", () -> {
                        AdminStatus source = site.sourceStatus();
                        return source != null && source.appliedSeq() != null && source.appliedSeq() == applied
                                && source.lastSeq() == applied && lagRecords(site) == 0;
                    });
        }
    }

    private static long lagRecords(ReplicationSite site) throws InterruptedException {
        Matcher m = LAG_RECORDS.matcher(AdminStatus.json(site.sourceAdmin()));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
