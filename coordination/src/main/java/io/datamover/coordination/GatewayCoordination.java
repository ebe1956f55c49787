package io.datamover.coordination;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a gateway daemon holds for {@link CoordinationSettings}: nothing (mode none: it leads every group it serves,
 * under epoch 0), or a {@link Coordinator} on the embedded server or on an ensemble.
 */
public final class GatewayCoordination implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayCoordination.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    private final EmbeddedZooKeeper embedded;
    private final Coordinator coordinator;

    private GatewayCoordination(EmbeddedZooKeeper embedded, Coordinator coordinator) {
        this.embedded = embedded;
        this.coordinator = coordinator;
    }

    /**
     * Starts the embedded server (its data in {@code zookeeperDir}) when asked, and joins the site as
     * {@code gatewayId}.
     */
    public static GatewayCoordination start(CoordinationSettings settings, Path zookeeperDir, String gatewayId,
            MonotonicClock clock) throws IOException, InterruptedException {
        if (settings.mode() == CoordinationSettings.Mode.NONE) {
            return new GatewayCoordination(null, null);
        }
        EmbeddedZooKeeper embedded = settings.mode() == CoordinationSettings.Mode.EMBEDDED
                ? EmbeddedZooKeeper.start(zookeeperDir, 0) : null;
        try {
            String connect = embedded != null ? embedded.connectString() : settings.zookeeper();
            Coordinator coordinator = Coordinator.connect(new CoordinationConfig(connect, settings.site(), gatewayId,
                    settings.sessionTimeout(), CONNECT_TIMEOUT), clock);
            LOG.info("gateway {} joined site {} on ZooKeeper {}{}", gatewayId, settings.site(), connect,
                    embedded != null ? " (embedded: not highly available)" : "");
            return new GatewayCoordination(embedded, coordinator);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    /** Contends for {@code group} (again after a reopen: nothing changes). */
    public void contend(String group) throws IOException, InterruptedException {
        if (coordinator != null) {
            coordinator.contend(group, (g, leadership) -> {});
        }
    }

    /** The epoch under which this gateway may act as {@code group}'s leader now; 0 without coordination. */
    public OptionalLong leadingEpoch(String group) {
        return coordinator == null ? OptionalLong.of(0) : coordinator.leadingEpoch(group);
    }

    /** This gateway's leadership of {@code group} for status, or null without coordination or contention. */
    public Leadership leadership(String group) {
        return coordinator == null ? null : coordinator.leadership(group);
    }

    /** Whether the ZooKeeper session is connected now; true without coordination. */
    public boolean connected() {
        return coordinator == null || coordinator.connectionState().isConnected();
    }

    @Override
    public void close() {
        if (coordinator != null) {
            coordinator.close();
        }
        if (embedded != null) {
            embedded.close();
        }
    }
}
