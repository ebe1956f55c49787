package io.datamover.coordination;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * A consistency group's epoch in ZooKeeper: a znode holding a big-endian long, raised by one on each takeover with a
 * checked atomic update. The raise is one transaction that also checks the raiser's lock node still exists, so only
 * the holder of the lock can raise it, and the version read makes two raises that race each other fail one.
 */
final class EpochCounter {
    private static final int MAX_ATTEMPTS = 20;

    private final CuratorFramework client;
    private final String path;

    EpochCounter(CuratorFramework client, String path) {
        this.client = client;
        this.path = path;
    }

    /** The epoch now stored (0 if none was ever raised). */
    long current() throws Exception {
        try {
            return decode(client.getData().forPath(path));
        } catch (KeeperException.NoNodeException never) {
            return 0;
        }
    }

    /**
     * Raises the epoch by one while {@code lockNode} exists; the new epoch, or empty if the lock node is gone (the
     * lock was lost: the caller does not lead).
     */
    Optional<Long> raiseHolding(String lockNode) throws Exception {
        ensureExists();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Stat read = new Stat();
            long epoch = decode(client.getData().storingStatIn(read).forPath(path));
            List<CuratorOp> ops = List.of(
                    client.transactionOp().check().forPath(lockNode),
                    client.transactionOp().setData().withVersion(read.getVersion()).forPath(path, encode(epoch + 1)));
            try {
                client.transaction().forOperations(ops);
                return Optional.of(epoch + 1);
            } catch (KeeperException.BadVersionException raced) {
                // another raise came between our read and our write: read again
            } catch (KeeperException.NoNodeException lockGone) {
                return Optional.empty(); // the epoch node exists (ensureExists), so the lock node is gone
            }
        }
        throw new IllegalStateException("epoch " + path + " kept changing under " + MAX_ATTEMPTS + " raises");
    }

    private void ensureExists() throws Exception {
        try {
            client.create().creatingParentsIfNeeded().forPath(path, encode(0));
        } catch (KeeperException.NodeExistsException already) {
            // the usual case
        }
    }

    static byte[] encode(long epoch) {
        return ByteBuffer.allocate(Long.BYTES).putLong(epoch).array();
    }

    static long decode(byte[] data) {
        if (data == null || data.length != Long.BYTES) {
            throw new IllegalStateException("an epoch znode holds " + (data == null ? "nothing" : data.length
                    + " bytes") + ", not a long: written by something else than datamover");
        }
        return ByteBuffer.wrap(data).getLong();
    }
}
