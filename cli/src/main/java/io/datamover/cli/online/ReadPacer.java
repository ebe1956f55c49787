package io.datamover.cli.online;

import java.util.function.LongSupplier;

/**
 * Keeps an online verify's reads under {@code --rate} bytes a second, on average since its start: after each read the
 * caller waits until the bytes read so far are due at that rate. 0 means unlimited. The clock and the wait are given,
 * so a test moves time instead of sleeping.
 */
public final class ReadPacer {
    /** Waits a number of nanoseconds. */
    @FunctionalInterface
    interface Waiter {
        void waitNanos(long nanos) throws InterruptedException;
    }

    private final long bytesPerSecond;
    private final LongSupplier nanoTime;
    private final Waiter waiter;
    private final long startNanos;
    private long bytes;

    ReadPacer(long bytesPerSecond, LongSupplier nanoTime, Waiter waiter) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("a rate is >= 0 bytes a second: " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
        this.nanoTime = nanoTime;
        this.waiter = waiter;
        this.startNanos = nanoTime.getAsLong();
    }

    public static ReadPacer systemClock(long bytesPerSecond) {
        return new ReadPacer(bytesPerSecond, System::nanoTime,
                nanos -> java.util.concurrent.TimeUnit.NANOSECONDS.sleep(nanos));
    }

    /** Counts {@code read} bytes and waits until they are due. */
    void paced(long read) throws InterruptedException {
        bytes += read;
        if (bytesPerSecond == 0) {
            return;
        }
        long dueNanos = startNanos + (long) (bytes * 1e9 / bytesPerSecond);
        long early = dueNanos - nanoTime.getAsLong();
        if (early > 0) {
            waiter.waitNanos(early);
        }
    }

    /** Waits {@code nanos} with the given waiter (a retry's pause). */
    void pause(long nanos) throws InterruptedException {
        waiter.waitNanos(nanos);
    }

    long bytes() {
        return bytes;
    }
}
