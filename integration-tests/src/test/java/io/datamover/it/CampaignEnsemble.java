package io.datamover.it;

import io.datamover.it.ensemble.ZooKeeperEnsemble;
import io.datamover.it.ensemble.ZooKeeperNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A coordinated fault-campaign run's ZooKeeper side (issue 19): a real three-node ensemble ({@code QuorumPeerMain}
 * JVMs) that both source gateways of the run's site join. Between faults the site's first gateway leads the group
 * ({@link #firstGatewayLeads}), so the faults aimed at "the source gateway" (its journal, its data directory's
 * tmpfs, its counters) hit the one that ships.
 */
final class CampaignEnsemble implements AutoCloseable {
    /** Short, so a takeover after a kill -9 waits about this long for the dead leader's session; fencing at half. */
    private static final String SESSION_TIMEOUT_SECONDS = "5";

    private final ZooKeeperEnsemble ensemble;

    private CampaignEnsemble(ZooKeeperEnsemble ensemble) {
        this.ensemble = ensemble;
    }

    static CampaignEnsemble start(Path dir) throws IOException, InterruptedException {
        return new CampaignEnsemble(ZooKeeperEnsemble.start(dir, 3));
    }

    /** The source gateways' options to join the ensemble as one site. */
    List<String> gatewayOptions() {
        return List.of("--coordination", "zookeeper", "--zookeeper", ensemble.connectString(), "--site", "campaign",
                "--zookeeper-session-timeout", SESSION_TIMEOUT_SECONDS);
    }

    /** kill -9 of one server, seeded; the other two keep the quorum. */
    ZooKeeperNode killNode(SplittableRandom random) throws InterruptedException {
        ZooKeeperNode node = ensemble.nodes().get(random.nextInt(ensemble.nodes().size()));
        node.kill9();
        return node;
    }

    /** Starts {@code node} again on its data and waits until every server serves in the quorum. */
    void restart(ZooKeeperNode node) throws IOException, InterruptedException {
        node.start();
        ensemble.awaitQuorum();
    }

    /**
     * Until the site's first source gateway leads the group again: once either gateway leads (after a kill, the other
     * one may have taken over), a leading standby is stopped (SIGTERM: it gives up its lock at once, and the first
     * gateway, contending since its start, takes it: a takeover under a higher epoch) and started again as the
     * standby.
     */
    static void firstGatewayLeads(ReplicationSite site) throws Exception {
        FaultAwaits.until(FaultAwaits.DEADLINE, "a source gateway of the site leads the group",
                () -> CoordinationAwaits.leads(site.sourceAdmin()) || CoordinationAwaits.leads(site.standbyAdmin()));
        if (CoordinationAwaits.leads(site.sourceAdmin())) {
            return;
        }
        site.standby().close();
        FaultAwaits.until(FaultAwaits.DEADLINE, "the first source gateway leads the group again",
                () -> CoordinationAwaits.leads(site.sourceAdmin()));
        site.startStandby();
    }

    @Override
    public void close() throws InterruptedException {
        ensemble.close();
    }
}
