package io.datamover.gateway.source.journal;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The thread a journal's fdatasyncs run on, one at a time, so that the owner thread can append the next
 * group while the previous one is written back (pipelined group commit). Used by the owner thread only.
 */
final class SyncThread implements AutoCloseable {
    private final ExecutorService executor;
    private Future<?> inFlight;

    SyncThread(String name) {
        executor = Executors.newSingleThreadExecutor(Thread.ofPlatform().name(name).daemon().factory());
    }

    /** Runs {@code sync} on the sync thread once the one in flight is done; returns at once. */
    void start(Runnable sync) {
        await();
        inFlight = executor.submit(sync);
    }

    /** Waits for the sync in flight, if any; its failure is thrown here, once. */
    void await() {
        if (inFlight == null) {
            return;
        }
        Future<?> waiting = inFlight;
        inFlight = null;
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    waiting.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true; // the sync cannot be abandoned half way: whoever waits needs its outcome
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    throw new IllegalStateException("the journal sync failed", e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    boolean busy() {
        return inFlight != null && !inFlight.isDone();
    }

    @Override
    public void close() {
        try {
            await();
        } finally {
            executor.shutdown();
        }
    }
}
