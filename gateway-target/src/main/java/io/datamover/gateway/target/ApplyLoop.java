package io.datamover.gateway.target;

import io.datamover.applier.Applier;
import io.datamover.applier.ApplyException;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaState;
import io.datamover.protocol.Batch;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ProtocolException;
import io.netty.buffer.ByteBufAllocator;
import io.micrometer.core.instrument.Clock;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The applier thread of one consistency group: takes spooled batches strictly in seq order (the spool holds them
 * contiguous from the applied seq on, recovered ones first), applies each whole, then has the group acknowledge
 * APPLIED and deletes it from the spool. Re-applying after a crash is idempotent ({@link Applier}).
 *
 * <p>A batch the applier refuses, or a storage failure, stops this loop for good with the reason kept for status:
 * the replicas stay at the last applied batch, and nothing retries in a loop. An operator restarts the gateway
 * once the cause is dealt with.
 */
final class ApplyLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ApplyLoop.class);
    /** How often a waiting applier looks at its stop flag. */
    private static final long POLL_MS = 200;

    private final ConsistencyGroupTarget group;
    private final ReplicaSet replicas;
    private final Applier applier;
    private final BatchSpool spool;
    private final TargetGatewayConfig config;
    private final ByteBufAllocator alloc;
    private final Clock clock;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    /** Published after every batch for readers on other threads (status, metrics, heartbeats). */
    private volatile long appliedSeq;
    private volatile Map<Integer, ReplicaState> states;
    private volatile long consistentSeq;
    private volatile boolean resyncProtected;

    ApplyLoop(ConsistencyGroupTarget group, ReplicaSet replicas, Applier applier, BatchSpool spool,
            TargetGatewayConfig config, ByteBufAllocator alloc, Clock clock) {
        this.group = group;
        this.replicas = replicas;
        this.applier = applier;
        this.spool = spool;
        this.config = config;
        this.alloc = alloc;
        this.clock = clock;
        publish();
    }

    /** Copies what status and metrics read from the replica set, which only this thread may touch. */
    private void publish() {
        states = replicas.states();
        consistentSeq = replicas.consistentSeq().orElse(-1);
        resyncProtected = replicas.resyncProtected();
        appliedSeq = replicas.appliedSeq();
    }

    /** Applied seq of the last consistent image the replicas can give back, -1 when none. */
    long consistentSeq() {
        return consistentSeq;
    }

    boolean resyncProtected() {
        return resyncProtected;
    }

    /** Bytes of the undo log; read from any thread. */
    long undoLogBytes() {
        return replicas.undoLogBytes();
    }

    long appliedSeq() {
        return appliedSeq;
    }

    Map<Integer, ReplicaState> states() {
        return states;
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                BatchSpool.Entry entry = spool.awaitOldest(POLL_MS);
                if (entry != null) {
                    applyOne(entry);
                }
            }
        } catch (ApplyException e) {
            stop(new ProtocolException(e.reason().errorCode(), "the replica refused a batch: " + e.getMessage()), e);
        } catch (ProtocolException e) {
            stop(new ProtocolException(e.code(), "a spooled batch is unreadable: " + e.getMessage()), e);
        } catch (IOException e) {
            stop(new ProtocolException(ErrorCode.STORAGE_FAILURE, "replica or spool storage failed: " + e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            stop(new ProtocolException(ErrorCode.INTERNAL, "the applier failed: " + e), e);
        } finally {
            stopped.countDown();
        }
    }

    private void applyOne(BatchSpool.Entry entry) throws ApplyException, ProtocolException, IOException {
        Batch batch = spool.read(entry, config.frameLimits(), alloc);
        try {
            applier.apply(batch, config.frameLimits(), alloc);
        } finally {
            batch.release();
        }
        publish();
        group.applied(entry, clock.monotonicTime());
        spool.removeOldest(entry);
        group.unspooled(entry);
    }

    private void stop(ProtocolException failure, Exception cause) {
        publish(); // a refused batch may have begun keeping the consistent image
        LOG.error("cg {}: applying stopped at applied seq {}; the replicas stay at that batch until an operator "
                + "acts: {}", Integer.toUnsignedString(group.cgId()), appliedSeq, failure.getMessage(), cause);
        group.applyStopped(failure);
    }

    /** Asks the loop to end after the batch it is applying, if any. */
    void stop() {
        stopping = true;
    }

    boolean awaitStopped(long timeoutMs) throws InterruptedException {
        return stopped.await(timeoutMs, TimeUnit.MILLISECONDS);
    }
}
