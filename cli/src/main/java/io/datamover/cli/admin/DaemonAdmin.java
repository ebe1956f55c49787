package io.datamover.cli.admin;

import io.datamover.cli.HostPort;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin side of a running daemon: the ticker that calls its {@link StatusSource#tick()} once a second (throughput
 * samples, RPO objectives: it runs even with the admin port off), then takes its report into the group gauges
 * ({@link GroupStateMetrics}) and the status page's history ({@link StatusHistory}), and, unless off, the
 * {@link AdminServer}.
 */
public final class DaemonAdmin implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonAdmin.class);
    /** Samples a group keeps for the status page's chart: ten minutes at one a second. */
    private static final int HISTORY_SAMPLES = 600;

    private final ScheduledExecutorService ticker;
    private final AdminServer server;
    private final JvmGcMetrics gcMetrics;
    private final GroupStateMetrics groupMetrics;

    private DaemonAdmin(ScheduledExecutorService ticker, AdminServer server, JvmGcMetrics gcMetrics,
            GroupStateMetrics groupMetrics) {
        this.ticker = ticker;
        this.server = server;
        this.gcMetrics = gcMetrics;
        this.groupMetrics = groupMetrics;
    }

    /** A Prometheus registry for a daemon. */
    public static PrometheusMeterRegistry newRegistry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    /**
     * Binds the JVM's meters (heap and direct memory, GC, threads, CPU) to {@code registry}, starts ticking
     * {@code status} and, when {@code address} is present, serves the admin port there.
     */
    public static DaemonAdmin start(Optional<InetSocketAddress> address, PrometheusMeterRegistry registry,
            StatusSource status) throws IOException {
        return start(address, registry, status, AdminActions.NONE, AdminAuthorization.NONE);
    }

    /**
     * As {@link #start(Optional, PrometheusMeterRegistry, StatusSource)}, with {@code actions} for POST requests,
     * which only {@code authorization}'s holder may make.
     */
    public static DaemonAdmin start(Optional<InetSocketAddress> address, PrometheusMeterRegistry registry,
            StatusSource status, AdminActions actions, AdminAuthorization authorization) throws IOException {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        JvmGcMetrics gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
        GroupStateMetrics groupMetrics = new GroupStateMetrics(registry, status.states());
        StatusHistory history = new StatusHistory(InstantSource.system(), HISTORY_SAMPLES);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("admin-ticker").daemon(true).factory());
        ticker.scheduleAtFixedRate(() -> {
            try {
                status.tick();
                StatusReport report = status.report();
                groupMetrics.update(report);
                history.record(report);
            } catch (RuntimeException e) {
                LOG.warn("admin tick failed", e);
            }
        }, 0, 1, TimeUnit.SECONDS);
        try {
            AdminServer server = address.isPresent()
                    ? AdminServer.start(address.get(), registry, status::report, actions, history, authorization)
                    : null;
            return new DaemonAdmin(ticker, server, gcMetrics, groupMetrics);
        } catch (IOException | RuntimeException e) {
            ticker.shutdownNow();
            gcMetrics.close();
            throw e;
        }
    }

    /**
     * The value of {@code --admin}: {@code HOST:PORT}, or {@code off} for no admin port.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static Optional<InetSocketAddress> parseAddress(String text) {
        if (text.equals("off")) {
            return Optional.empty();
        }
        try {
            return Optional.of(HostPort.parse(text).toAddress());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--admin takes HOST:PORT or off: " + e.getMessage());
        }
    }

    /** Where the admin port listens, if it is on. */
    public Optional<InetSocketAddress> address() {
        return Optional.ofNullable(server).map(AdminServer::address);
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS); // the group gauges are the ticker's until it ends
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        gcMetrics.close();
        groupMetrics.close();
    }
}
