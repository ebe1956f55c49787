package io.datamover.cli;

import io.datamover.cli.admin.AdminActions;
import io.datamover.cli.admin.AdminAuthorization;
import io.datamover.cli.admin.DaemonAdmin;
import io.datamover.cli.admin.StatusSource;
import io.datamover.protocol.CrashPoint;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every daemon command shares: serve until SIGTERM (or SIGINT), then close once, on the main thread; and an
 * identity for handshakes made from the host name.
 */
final class Daemons {
    private static final Logger LOG = LoggerFactory.getLogger(Daemons.class);
    /** Longest a SIGTERM waits for the clean close (in-flight writes, last acks, journals and bitmaps synced). */
    static final long SHUTDOWN_WAIT_SECONDS = 60;

    private Daemons() {}

    /** A daemon that is running; closing it is its clean shutdown. */
    @FunctionalInterface
    interface Starter<T extends AutoCloseable> {
        T start() throws Exception;
    }

    /**
     * Starts the daemon, calls {@code ready} with it, and blocks until SIGTERM; then closes it. One close path:
     * the shutdown hook wakes this thread, which closes the daemon, and the hook waits for that (the JVM exits
     * when hooks return).
     */
    static <T extends AutoCloseable> void runUntilSigterm(String name, Starter<T> starter,
            Consumer<T> ready) throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                closed.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name + "-shutdown"));
        CrashPoint.Point crash = CrashPoint.armed(); // a bad -Ddatamover.crash.point fails the start, not a write
        if (crash != null) {
            LOG.warn("{}: armed to crash at {} (hit {}): a test run, not for production", name, crash,
                    CrashPoint.after());
        }
        try (T daemon = starter.start()) {
            ready.accept(daemon);
            stop.await();
        } finally {
            closed.countDown();
        }
    }

    /** A daemon and its admin side (ticker, admin port), closed together: the admin side first. */
    record WithAdmin<T extends AutoCloseable>(T daemon, DaemonAdmin admin) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            try {
                admin.close();
            } finally {
                daemon.close();
            }
        }
    }

    /**
     * Starts the daemon, then its admin side on {@code admin} (none when empty) with the status {@code status}
     * makes of it; a daemon whose admin side fails to start is closed again.
     */
    static <T extends AutoCloseable> Starter<WithAdmin<T>> withAdmin(Starter<T> starter,
            Optional<InetSocketAddress> admin, PrometheusMeterRegistry registry, Function<T, StatusSource> status) {
        return withAdmin(starter, admin, registry, status, daemon -> AdminActions.NONE, AdminAuthorization.NONE);
    }

    /**
     * As {@link #withAdmin(Starter, Optional, PrometheusMeterRegistry, Function)}, with the daemon's admin actions,
     * which only {@code authorization}'s holder may call.
     */
    static <T extends AutoCloseable> Starter<WithAdmin<T>> withAdmin(Starter<T> starter,
            Optional<InetSocketAddress> admin, PrometheusMeterRegistry registry, Function<T, StatusSource> status,
            Function<T, AdminActions> actions, AdminAuthorization authorization) {
        return () -> {
            T daemon = starter.start();
            try {
                return new WithAdmin<>(daemon, DaemonAdmin.start(admin, registry, status.apply(daemon),
                        actions.apply(daemon), authorization));
            } catch (Exception | Error e) {
                daemon.close();
                throw e;
            }
        };
    }

    /** {@code <prefix>-<host name>} as a protocol identifier, or {@code prefix} when the host name is unusable. */
    static String hostIdentity(String prefix) {
        try {
            String host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._:-]", "-");
            return host.isEmpty() || !Character.isLetterOrDigit(host.charAt(0)) ? prefix : prefix + "-" + host;
        } catch (UnknownHostException e) {
            return prefix;
        }
    }
}
