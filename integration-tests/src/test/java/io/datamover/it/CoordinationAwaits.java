package io.datamover.it;

/** Waits on a source gateway's coordination, read from its admin port's metrics. */
final class CoordinationAwaits {
    private CoordinationAwaits() {}

    /** Until the site's source gateway leads its one group (and so may ship it) under {@code epoch}. */
    static void sourceLeadsUnderEpoch(ReplicationSite site, long epoch) throws Exception {
        FaultAwaits.until(FaultAwaits.DEADLINE, "the source gateway leads cg " + ReplicationSite.CG + " under epoch "
                + epoch, () -> AdminMetrics.sum(site.sourceAdmin(), "datamover_coordination_leading") == 1
                        && AdminMetrics.sum(site.sourceAdmin(), "datamover_coordination_epoch") == epoch);
    }
}
