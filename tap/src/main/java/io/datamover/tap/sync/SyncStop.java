package io.datamover.tap.sync;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A syncer's stop, and its waits for the group's events (room in the window, an acknowledgement), which the stream
 * owner completes as it hands off and applies acks: a wait ends on that event, or at once on {@link #stop}; there is
 * no polling slice. Thread-safe: the closing thread stops, the syncer's thread waits.
 */
final class SyncStop {
    private volatile boolean stopped;
    /** The event the syncer waits for now; null when it waits for none. */
    private volatile CompletableFuture<Boolean> waiting;

    boolean stopped() {
        return stopped;
    }

    /** From now on the syncer stops: a wait under way ends with false. */
    void stop() {
        stopped = true;
        CompletableFuture<Boolean> event = waiting;
        if (event != null) {
            event.complete(false);
        }
    }

    /**
     * Waits for {@code event}, completed by the group (the owner's hand-offs and acks, or a mode change).
     *
     * @return the event's answer; false when stopped before or meanwhile
     */
    boolean await(CompletableFuture<Boolean> event) throws InterruptedException {
        waiting = event;
        try {
            // After publishing the wait: a stop either sees it and completes it, or came before and is seen here.
            if (stopped) {
                return false;
            }
            return event.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("never completed exceptionally", e);
        } finally {
            waiting = null;
        }
    }
}
