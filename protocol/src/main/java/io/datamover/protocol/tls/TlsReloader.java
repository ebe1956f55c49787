package io.datamover.protocol.tls;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Reloads a daemon's {@link TlsContexts} without a restart: on SIGHUP (one handler per process, which reloads every
 * context registered) and when one of its files changes (a poll of their sizes and times, every
 * {@code pollInterval}). Close it to stop both for that context.
 */
public final class TlsReloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TlsReloader.class);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);
    private static final List<TlsContexts> ON_SIGHUP = new CopyOnWriteArrayList<>();
    private static boolean sighupHandled;

    private final TlsContexts contexts;
    private final ScheduledExecutorService poller;

    private TlsReloader(TlsContexts contexts, Duration pollInterval) {
        this.contexts = contexts;
        this.poller = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("tls-reload").daemon(true).unstarted(r));
        poller.scheduleWithFixedDelay(this::poll, pollInterval.toMillis(), pollInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Reloads {@code contexts} on SIGHUP and when its files change (checked every {@code pollInterval}). */
    public static TlsReloader start(TlsContexts contexts, Duration pollInterval) {
        handleSighup();
        ON_SIGHUP.add(contexts);
        return new TlsReloader(contexts, pollInterval);
    }

    private void poll() {
        try {
            contexts.reloadIfChanged();
        } catch (RuntimeException e) {
            LOG.error("checking the TLS files of {} for changes failed", contexts.files().dir(), e);
        }
    }

    private static synchronized void handleSighup() {
        if (sighupHandled) {
            return;
        }
        try {
            Signal.handle(new Signal("HUP"), signal -> {
                // Runs on the JVM's signal thread: reloading reads a few small files, nothing more.
                LOG.info("SIGHUP: reloading the TLS files of {} daemon(s)", ON_SIGHUP.size());
                ON_SIGHUP.forEach(c -> c.reload("SIGHUP"));
            });
            sighupHandled = true;
        } catch (IllegalArgumentException e) {
            LOG.warn("SIGHUP cannot be handled here ({}): TLS files are reloaded when they change", e.getMessage());
        }
    }

    @Override
    public void close() {
        ON_SIGHUP.remove(contexts);
        poller.shutdownNow();
    }
}
