package io.datamover.cli.local;

import io.datamover.applier.ReplicaState;
import io.datamover.gateway.source.SourceGateway;
import io.datamover.gateway.source.SourceGatewayConfig;
import io.datamover.gateway.source.SourceGroupStatus;
import io.datamover.gateway.source.ship.ShipperConfig;
import io.datamover.gateway.target.ConsistencyGroupStatus;
import io.datamover.gateway.target.TargetGateway;
import io.datamover.gateway.target.TargetGatewayConfig;
import io.datamover.protocol.Role;
import io.datamover.protocol.tls.LabCertificates;
import io.datamover.protocol.tls.TlsSetupException;
import io.datamover.protocol.tls.TransportSecurity;
import io.datamover.tap.ReplicatingTap;
import io.datamover.tap.TapConfig;
import io.datamover.tap.sender.SenderConfig;
import io.datamover.tap.sync.InitialSync;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.internal.PlatformDependent;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The whole data path in one JVM on real loopback sockets, for the demo, benchmarks and integration tests: a tap
 * serving the exports over NBD, a source gateway journaling under {@code base/source-data}, a target gateway
 * spooling under {@code base/target-data} and applying to sparse replicas under {@code base/replicas}. Every
 * component is the real one, as the daemons run it; only the process boundary is missing. The links speak mutual TLS
 * with a lab CA and certificates made under {@code base/tls} (plaintext only when asked, {@link Builder#tls}).
 */
public final class LocalPipeline implements AutoCloseable {
    public static final String PAIR = "local-pair";

    private final int cgId;
    private final MeterRegistry tapMetrics;
    private final MeterRegistry sourceMetrics;
    private final MeterRegistry targetMetrics;
    private final TargetGateway target;
    private final SourceGateway source;
    private final ReplicatingTap tap;
    private final Path replicas;

    private LocalPipeline(Builder b) throws Exception {
        cgId = b.cgId;
        tapMetrics = b.tapMetrics;
        sourceMetrics = b.sourceMetrics;
        targetMetrics = b.targetMetrics;
        replicas = b.base.resolve("replicas");
        Path tls = b.tls ? LabCertificates.create(b.base.resolve("tls"), PAIR, List.of(cgId),
                LabCertificates.LOOPBACK) : null;
        target = TargetGateway.start(TargetGatewayConfig.builder(b.base.resolve("target-data"), replicas)
                .listen("127.0.0.1", 0).transport(transport(tls, Role.TARGET_GATEWAY)).build(), targetMetrics);
        SourceGateway startedSource = null;
        try {
            InetSocketAddress shipTo = b.shipperRoute.apply(target.address());
            ShipperConfig shipper = ShipperConfig.builder(shipTo.getHostString(), shipTo.getPort())
                    .batch(b.batchIntervalMs, b.batchMaxBytes).compressionEnabled(b.compression)
                    .link(l -> l.withReconnect(50, 500, 0.1)).build();
            startedSource = SourceGateway.start(SourceGatewayConfig.builder(new InetSocketAddress("127.0.0.1", 0),
                    b.base.resolve("source-data"), shipper).journalMaxBytes(b.journalMaxBytes)
                    .transport(transport(tls, Role.SOURCE_GATEWAY)).build(),
                    sourceMetrics, InstantSource.system());
            TapConfig.Builder tapConfig = TapConfig.builder().port(0).pairId(PAIR).stateDir(b.base.resolve("tap-state"))
                    .ioThreads(4).consistencyGroupId(cgId).initialSync(b.initialSync);
            b.exports.forEach(tapConfig::export);
            TapConfig config = tapConfig.build();
            SenderConfig sender = SenderConfig.builder("127.0.0.1", startedSource.address().getPort())
                    .identity("tap-local", PAIR)
                    .consistencyGroup(cgId, b.cgName, ReplicatingTap.disksOf(config))
                    // The window `datamover tap` takes by default, so the demo streams as an operator's tap would.
                    .windowBytes(SenderConfig.defaultWindowBytes(PlatformDependent.maxDirectMemory()))
                    .link(l -> l.withReconnect(50, 500, 0.1))
                    .transport(transport(tls, Role.TAP))
                    .build();
            tap = ReplicatingTap.start(config, sender, Duration.ofSeconds(10), tapMetrics, InstantSource.system());
            source = startedSource;
        } catch (Exception | Error e) {
            if (startedSource != null) {
                startedSource.close();
            }
            target.close();
            throw e;
        }
    }

    private static TransportSecurity transport(Path tlsDir, Role role) throws TlsSetupException {
        return tlsDir == null ? TransportSecurity.insecurePlaintext() : LabCertificates.transport(tlsDir, role);
    }

    /** A pipeline whose files live under {@code base} (created as needed). */
    public static Builder builder(Path base) {
        return new Builder(base);
    }

    public ReplicatingTap tap() {
        return tap;
    }

    public SourceGateway source() {
        return source;
    }

    public TargetGateway target() {
        return target;
    }

    public MeterRegistry tapMetrics() {
        return tapMetrics;
    }

    public MeterRegistry sourceMetrics() {
        return sourceMetrics;
    }

    public MeterRegistry targetMetrics() {
        return targetMetrics;
    }

    public int cgId() {
        return cgId;
    }

    /** Where an NBD client attaches {@code export}. */
    public String nbdUri(String export) {
        return "nbd://127.0.0.1:" + tap.tap().port() + "/" + export;
    }

    /** The replica file of {@code disk} (an export name). */
    public Path replica(String disk) {
        return replicas.resolve("cg-" + Integer.toUnsignedString(cgId)).resolve(disk + ".img");
    }

    /** The source gateway's view of the group (lag, RPO, journal use), once the tap has connected. */
    public Optional<SourceGroupStatus> sourceStatus() {
        return source.consistencyGroup(cgId);
    }

    /** The target's view of the group (applied seq, replica states), once the source has connected. */
    public Optional<ConsistencyGroupStatus> targetStatus() {
        return target.consistencyGroup(cgId);
    }

    /** True when the target has applied every write the tap ordered and every replica is UP_TO_DATE. */
    public boolean caughtUp() {
        long last = tap.tap().lastSeq();
        return targetStatus()
                .filter(s -> s.appliedSeq() == last && s.failure().isEmpty()
                        && s.groupState().equals(ReplicaState.UP_TO_DATE.name()))
                .isPresent();
    }

    /** Closes the tap (its last writes acknowledged), then the source gateway, then the target gateway. */
    @Override
    public void close() throws Exception {
        try {
            tap.close();
        } finally {
            try {
                source.close();
            } finally {
                target.close();
            }
        }
    }

    /** Options of a {@link LocalPipeline}; the defaults are the daemons'. */
    public static final class Builder {
        private final Path base;
        private final Map<String, Path> exports = new LinkedHashMap<>();
        private int cgId = 1;
        private String cgName = "vm-local";
        private long batchIntervalMs = 100;
        private int batchMaxBytes = 8 << 20;
        private boolean compression = true;
        private long journalMaxBytes = 1L << 30;
        private InitialSync initialSync = InitialSync.AUTO;
        private MeterRegistry tapMetrics = new SimpleMeterRegistry();
        private MeterRegistry sourceMetrics = new SimpleMeterRegistry();
        private MeterRegistry targetMetrics = new SimpleMeterRegistry();
        private UnaryOperator<InetSocketAddress> shipperRoute = UnaryOperator.identity();
        private boolean tls = true;

        private Builder(Path base) {
            this.base = Objects.requireNonNull(base, "base");
        }

        /** A disk of the consistency group: its NBD export name and its image file. */
        /** Mutual TLS on both links (the default), or plaintext for a comparison. */
        public Builder tls(boolean enabled) {
            this.tls = enabled;
            return this;
        }

        public Builder export(String name, Path image) {
            exports.put(name, image);
            return this;
        }

        public Builder consistencyGroup(int id, String name) {
            cgId = id;
            cgName = name;
            return this;
        }

        public Builder batch(long intervalMs, int maxBytes) {
            batchIntervalMs = intervalMs;
            batchMaxBytes = maxBytes;
            return this;
        }

        public Builder compression(boolean enabled) {
            compression = enabled;
            return this;
        }

        public Builder journalMaxBytes(long bytes) {
            journalMaxBytes = bytes;
            return this;
        }

        public Builder initialSync(InitialSync mode) {
            initialSync = mode;
            return this;
        }

        /** The registries each component reports to (by default one {@link SimpleMeterRegistry} each). */
        public Builder metrics(MeterRegistry tap, MeterRegistry source, MeterRegistry target) {
            tapMetrics = tap;
            sourceMetrics = source;
            targetMetrics = target;
            return this;
        }

        /**
         * Where the source gateway's shipper connects, given the target gateway's listening address (by default
         * that address itself): the RPO harness starts an emulated WAN link there and returns the link's address.
         */
        public Builder shipperRoute(UnaryOperator<InetSocketAddress> route) {
            shipperRoute = Objects.requireNonNull(route, "route");
            return this;
        }

        /** Starts target gateway, source gateway and tap, in that order, each connecting to the next. */
        public LocalPipeline start() throws Exception {
            if (exports.isEmpty()) {
                throw new IllegalArgumentException("a pipeline needs at least one export");
            }
            return new LocalPipeline(this);
        }
    }
}
