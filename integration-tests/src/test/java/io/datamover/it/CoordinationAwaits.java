package io.datamover.it;

/** Waits on a gateway's coordination, read from its admin port's metrics. */
final class CoordinationAwaits {
    private CoordinationAwaits() {}

    /** Until the site's source gateway leads its one group (and so may ship it) under {@code epoch}. */
    static void sourceLeadsUnderEpoch(ReplicationSite site, long epoch) throws Exception {
        leadsUnderEpoch(site.sourceAdmin(), "the source gateway", epoch);
    }

    /** Until the site's second source gateway ({@link ReplicationSite#withStandbySource}) leads under {@code epoch}. */
    static void standbyLeadsUnderEpoch(ReplicationSite site, long epoch) throws Exception {
        leadsUnderEpoch(site.standbyAdmin(), "the second source gateway", epoch);
    }

    /** Until the site's second source gateway leads its one group, under any epoch. */
    static void standbyLeads(ReplicationSite site) throws Exception {
        FaultAwaits.until(FaultAwaits.DEADLINE, "the second source gateway leads cg " + ReplicationSite.CG,
                () -> leads(site.standbyAdmin()));
    }

    /** Whether the source gateway at {@code admin} leads its one group now (0 when it does not answer). */
    static boolean leads(String admin) throws InterruptedException {
        return AdminMetrics.sum(admin, "datamover_coordination_leading") == 1;
    }

    /** Until the target gateway ({@link ReplicationSite#target()}, swapped or not) leads under {@code epoch}. */
    static void targetLeadsUnderEpoch(ReplicationSite site, long epoch) throws Exception {
        leadsUnderEpoch(site.targetAdmin(), "the target gateway", epoch);
    }

    private static void leadsUnderEpoch(String admin, String gateway, long epoch) throws Exception {
        FaultAwaits.until(FaultAwaits.DEADLINE, gateway + " leads cg " + ReplicationSite.CG + " under epoch " + epoch,
                () -> AdminMetrics.sum(admin, "datamover_coordination_leading") == 1
                        && AdminMetrics.sum(admin, "datamover_coordination_epoch") == epoch);
    }
}
