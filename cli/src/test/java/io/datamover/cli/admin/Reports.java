package io.datamover.cli.admin;

import io.datamover.gateway.source.CgIdentity;
import io.datamover.gateway.source.SourceGroupStatus;
import io.datamover.gateway.source.ship.ShipperStatus;
import io.datamover.protocol.DiskInfo;
import java.util.List;
import java.util.Set;

/** Reports and statuses for the admin tests. */
final class Reports {
    private Reports() {}

    /** A source gateway group with one disk, its tap attached, at {@code rpoSeconds}. */
    static SourceGroupStatus sourceGroup(int cgId, double rpoSeconds, long durableSeq, long appliedSeq) {
        ShipperStatus shipping = new ShipperStatus(true, durableSeq, appliedSeq, appliedSeq, durableSeq - appliedSeq,
                4096 * (durableSeq - appliedSeq), rpoSeconds, 0, 0, 0, 1, appliedSeq, 4096 * appliedSeq, 2048,
                2.0, 0, 0, null, null, 0, null);
        return new SourceGroupStatus(new CgIdentity("pair-a", cgId, "vm" + cgId,
                List.of(new DiskInfo(0, "root", 1 << 20, 4096))), true, false, 8192, 1 << 30, Set.of(), null, null, shipping,
                rpoSeconds);
    }

    /** One group, every field set, with a name that needs JSON escaping. */
    static StatusReport report() {
        return new StatusReport("source-gateway", "gw-1", List.of(new StatusReport.Group("7", "vm \"seven\"\n",
                "pair-a", "STREAMING", 120L, 100L, 100L, 12.34, 20L, 3L << 20, 5L << 20, 1L << 30, 40.0, 2.5 * (1 << 20),
                1.75, 30.0, false, null, List.of(new StatusReport.Disk("root", 10L << 30, "STREAMING"),
                        new StatusReport.Disk("data", null, "RESYNCING")))));
    }
}
