package io.datamover.gateway.target;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What one consistency group holds between the socket and the replica, in bytes and batches, against its bounds.
 * The receiving session stops reading while {@link #full()}; every release tells it to look again, so nothing is
 * ever dropped to make room. A batch is admitted whatever its size once reading ran, so a bound is exceeded by at
 * most the frames of one socket read.
 *
 * <p>Thread-safe: the event loop queues, the spool writer moves queued bytes into the spool, the applier frees them.
 */
final class SpoolBudget {
    private final long spoolMaxBytes;
    private final int spoolMaxBatches;
    private final long queueMaxBytes;
    /** Batches received and handed to the spool writer, not yet written or dropped (in memory). */
    private final AtomicLong queuedBytes = new AtomicLong();
    /** Batches durable in the spool, not yet applied. */
    private final AtomicLong spooledBytes = new AtomicLong();
    private final AtomicLong spooledBatches = new AtomicLong();

    SpoolBudget(long spoolMaxBytes, int spoolMaxBatches, long queueMaxBytes, long initialSpooledBytes,
            int initialSpooledBatches) {
        this.spoolMaxBytes = spoolMaxBytes;
        this.spoolMaxBatches = spoolMaxBatches;
        this.queueMaxBytes = queueMaxBytes;
        spooledBytes.set(initialSpooledBytes);
        spooledBatches.set(initialSpooledBatches);
    }

    /** A received batch of {@code bytes} waits in memory for the spool writer. */
    void queued(long bytes) {
        queuedBytes.addAndGet(bytes);
    }

    /** A queued batch was dropped (duplicate, refused, session gone). */
    void dequeued(long bytes) {
        queuedBytes.addAndGet(-bytes);
    }

    /** A queued batch of {@code queued} bytes is now a spool file of {@code fileBytes}. */
    void spooled(long queued, long fileBytes) {
        spooledBytes.addAndGet(fileBytes);
        spooledBatches.incrementAndGet();
        queuedBytes.addAndGet(-queued);
    }

    /** A spooled batch was applied and deleted. */
    void unspooled(long fileBytes) {
        spooledBatches.decrementAndGet();
        spooledBytes.addAndGet(-fileBytes);
    }

    boolean full() {
        long queued = queuedBytes.get();
        return queued >= queueMaxBytes || spooledBytes.get() + queued >= spoolMaxBytes
                || spooledBatches.get() >= spoolMaxBatches;
    }

    long spooledBytes() {
        return spooledBytes.get();
    }
}
