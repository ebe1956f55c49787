package io.datamover.disk;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The failures of {@link SparseFile#dropPagesReadForward}, which is only advice to the page cache: a sync or a verify
 * must go on without it, so a failure is counted (for a metric, {@link #count()}) and logged at most once per
 * {@link #LOG_INTERVAL_NANOS}, with how many were not logged since, so a failing device does not flood the log.
 * Thread-safe.
 */
public final class PageDropFailures {
    private static final Logger LOG = LoggerFactory.getLogger(PageDropFailures.class);
    static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** The process's one count: every {@link SparseFile} reports here. */
    static final PageDropFailures PROCESS = new PageDropFailures(System::nanoTime);

    private final LongSupplier nanoClock;
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong failuresAtLastLog = new AtomicLong();
    private final AtomicLong nextLogNanos;

    PageDropFailures(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.nextLogNanos = new AtomicLong(nanoClock.getAsLong());
    }

    /** Failures of the process's page drops so far, for a counter metric. */
    public static long processCount() {
        return PROCESS.count();
    }

    long count() {
        return failures.get();
    }

    /**
     * Counts {@code failure} of dropping {@code [offset, offset + length)} of {@code path}; logs it when no failure was
     * logged for an interval.
     *
     * @return true when this one was logged
     */
    boolean failed(Path path, long offset, long length, IOException failure) {
        long total = failures.incrementAndGet();
        long now = nanoClock.getAsLong();
        long due = nextLogNanos.get();
        if (now - due < 0 || !nextLogNanos.compareAndSet(due, now + LOG_INTERVAL_NANOS)) {
            return false;
        }
        long notLogged = total - failuresAtLastLog.getAndSet(total) - 1;
        LOG.warn("cannot drop the cached pages of {} [{}, +{}), going on without: {} ({} more such failures since the "
                + "last of these lines, {} in all; datamover.disk.page.drop.failures)", path, offset, length,
                failure.toString(), notLogged, total);
        return true;
    }
}
