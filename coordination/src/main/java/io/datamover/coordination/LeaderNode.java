package io.datamover.coordination;

import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * A group's ephemeral leader node ({@link GroupLeader}): published by the lock's holder after each raise of the
 * epoch, retracted when its tenure ends, gone with its session. Only a hint: a stale or missing node can send a peer
 * to the wrong gateway (which refuses it), never let two gateways lead.
 */
final class LeaderNode {
    private final CuratorFramework client;
    private final String path;

    LeaderNode(CuratorFramework client, String path) {
        this.client = client;
        this.path = path;
    }

    /** Replaces whatever the node said (a leader that withdrew and kept its session may have left it) with ours. */
    void publish(GroupLeader leader) throws Exception {
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                client.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL)
                        .forPath(path, leader.encode());
                return;
            } catch (KeeperException.NodeExistsException stale) {
                try {
                    client.delete().forPath(path);
                } catch (KeeperException.NoNodeException goneMeanwhile) {
                    // create again
                }
            }
        }
        throw new IllegalStateException("leader node " + path + " kept coming back");
    }

    /** Deletes the node if it still names {@code gatewayId} (the version read makes the check and delete one). */
    void retract(String gatewayId) throws Exception {
        Stat stat = new Stat();
        try {
            GroupLeader now = GroupLeader.decode(client.getData().storingStatIn(stat).forPath(path));
            if (now.gatewayId().equals(gatewayId)) {
                client.delete().withVersion(stat.getVersion()).forPath(path);
            }
        } catch (KeeperException.NoNodeException | KeeperException.BadVersionException gone) {
            // retracted already, or another gateway published since
        }
    }

    /** What the node says now, or empty when no gateway published one. */
    Optional<GroupLeader> read() throws Exception {
        try {
            return Optional.of(GroupLeader.decode(client.getData().forPath(path)));
        } catch (KeeperException.NoNodeException none) {
            return Optional.empty();
        }
    }
}
