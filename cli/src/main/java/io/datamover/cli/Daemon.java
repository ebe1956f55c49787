package io.datamover.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What every long-running subcommand shares: one close path on SIGTERM (the JVM's hook wakes the main thread,
 * which closes the daemon, and the hook waits for that, since the JVM exits when hooks return), and an identity
 * for handshakes made from the host name.
 */
final class Daemon {
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);

    private Daemon() {}

    /** Installs the SIGTERM hook; it waits up to {@code closeWaitSeconds} for {@link #closed()}. */
    static Daemon onTermination(String hookName, long closeWaitSeconds) {
        Daemon daemon = new Daemon();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.stop.countDown();
            try {
                daemon.closed.await(closeWaitSeconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, hookName));
        return daemon;
    }

    /** Blocks until SIGTERM. */
    void awaitTermination() throws InterruptedException {
        stop.await();
    }

    /** The daemon is closed: the hook may return. Call in a {@code finally}. */
    void closed() {
        closed.countDown();
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
