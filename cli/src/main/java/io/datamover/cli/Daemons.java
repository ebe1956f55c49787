package io.datamover.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What every daemon command shares: serve until SIGTERM (or SIGINT), then close once, on the main thread; and an
 * identity for handshakes made from the host name.
 */
final class Daemons {
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
        try (T daemon = starter.start()) {
            ready.accept(daemon);
            stop.await();
        } finally {
            closed.countDown();
        }
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
