package io.datamover.coordination;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scale-out's assigner (as rbd-mirror's leader maps images onto instances): one gateway per site, elected on a Curator
 * {@link LeaderLatch}, maps the site's consistency groups onto its live gateways ({@link Assignment#rebalance}) and
 * writes the map with a checked update: one transaction that checks this gateway still holds the assigner's latch and
 * that the map is the version it read, so a deposed assigner or two racing ones never overwrite a newer map.
 *
 * <p>Driven by {@link #assign} on the coordinator's scale-out thread, its only caller.
 */
final class SiteAssigner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SiteAssigner.class);

    private final CuratorFramework client;
    private final SitePaths paths;
    private final LeaderLatch latch;
    private final int maxMoves;

    SiteAssigner(CuratorFramework client, SitePaths paths, String gatewayId, int maxMoves) {
        this.client = client;
        this.paths = paths;
        this.latch = new LeaderLatch(client, paths.assigner(), gatewayId);
        this.maxMoves = maxMoves;
    }

    void start() throws Exception {
        latch.start();
    }

    /** Whether this gateway is the site's assigner now, as far as its latch knows. */
    boolean assigning() {
        return latch.hasLeadership();
    }

    /**
     * If this gateway is the site's assigner: reads the live gateways, the known groups, who leads each and the map,
     * and writes the next map if it differs. A lost race or a lost latch writes nothing; the next round reads again.
     */
    void assign() throws Exception {
        if (!latch.hasLeadership()) {
            return;
        }
        List<String> members = children(paths.gateways());
        Set<String> groups = new TreeSet<>(children(paths.groups()));
        Map<String, String> leaders = new HashMap<>();
        for (String group : groups) {
            new LeaderNode(client, paths.leader(group)).read().ifPresent(l -> leaders.put(group, l.gatewayId()));
        }
        Stat read = new Stat();
        Assignment current = readMap(read);
        Assignment next = current.rebalance(members, groups, leaders, maxMoves);
        if (next.equals(current)) {
            return;
        }
        try {
            client.transaction().forOperations(List.of(
                    client.transactionOp().check().forPath(latch.getOurPath()),
                    client.transactionOp().setData().withVersion(read.getVersion())
                            .forPath(paths.assignment(), next.encode())));
            LOG.info("site {}: groups assigned over gateways {}: {}", paths.site(), members, describeChanges(current,
                    next));
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException lostRace) {
            LOG.debug("site {}: the assignment was not written ({}); reading again", paths.site(), lostRace.toString());
        }
    }

    /** The map stored now and its version; an empty map is created first when none is stored. */
    private Assignment readMap(Stat read) throws Exception {
        try {
            client.create().creatingParentsIfNeeded().forPath(paths.assignment(), Assignment.EMPTY.encode());
        } catch (KeeperException.NodeExistsException usual) {
            // written before
        }
        return Assignment.decode(client.getData().storingStatIn(read).forPath(paths.assignment()));
    }

    private List<String> children(String path) throws Exception {
        try {
            return client.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException none) {
            return List.of();
        }
    }

    private static String describeChanges(Assignment before, Assignment after) {
        StringBuilder changes = new StringBuilder();
        after.owners().forEach((group, gateway) -> {
            String was = before.ownerOf(group);
            if (!gateway.equals(was)) {
                changes.append(changes.isEmpty() ? "" : ", ").append(group).append(' ')
                        .append(was == null ? "new" : was).append(" -> ").append(gateway);
            }
        });
        return changes.isEmpty() ? "groups dropped" : changes.toString();
    }

    @Override
    public void close() {
        try {
            latch.close();
        } catch (IOException | IllegalStateException e) {
            LOG.debug("closing the assigner's latch: {}", e.toString());
        }
    }
}
