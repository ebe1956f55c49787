package io.datamover.it;

import static org.awaitility.Awaitility.await;

import io.datamover.applier.ReplicaState;
import io.datamover.gateway.source.SourceGateway;
import io.datamover.gateway.source.SourceGatewayConfig;
import io.datamover.gateway.source.ship.ShipperConfig;
import io.datamover.gateway.target.ConsistencyGroupStatus;
import io.datamover.gateway.target.TargetGateway;
import io.datamover.gateway.target.TargetGatewayConfig;
import io.datamover.tap.ReplicatingTap;
import io.datamover.tap.TapConfig;
import io.datamover.tap.sender.SenderConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;

/**
 * The whole data path in one JVM on real loopback sockets: a tap serving {@code exports} over NBD, a source
 * gateway journaling to disk, a target gateway applying to sparse replicas under {@code base/replicas}.
 */
final class Pipeline implements AutoCloseable {
    static final int CG = 1;
    static final String PAIR = "pair-it";

    final SimpleMeterRegistry tapMetrics = new SimpleMeterRegistry();
    final SimpleMeterRegistry sourceMetrics = new SimpleMeterRegistry();
    final SimpleMeterRegistry targetMetrics = new SimpleMeterRegistry();
    final TargetGateway target;
    final SourceGateway source;
    final ReplicatingTap tap;
    private final Path replicas;

    Pipeline(Path base, Map<String, Path> exports, long batchIntervalMs) throws Exception {
        replicas = base.resolve("replicas");
        target = TargetGateway.start(TargetGatewayConfig.builder(base.resolve("target-data"), replicas)
                .listen("127.0.0.1", 0).build(), targetMetrics);
        ShipperConfig shipper = ShipperConfig.builder("127.0.0.1", target.address().getPort())
                .batch(batchIntervalMs, 8 << 20).reconnect(50, 500, 0.1).build();
        source = SourceGateway.start(SourceGatewayConfig.builder(new InetSocketAddress("127.0.0.1", 0),
                base.resolve("source-data"), shipper).build(), sourceMetrics, InstantSource.system());
        TapConfig.Builder tapConfig = TapConfig.builder().port(0).stateDir(base.resolve("tap-state")).ioThreads(4);
        exports.forEach(tapConfig::export);
        TapConfig config = tapConfig.consistencyGroupId(CG).build();
        SenderConfig sender = SenderConfig.builder("127.0.0.1", source.address().getPort())
                .identity("tap-it", PAIR)
                .consistencyGroup(CG, "vm-it", ReplicatingTap.disksOf(config))
                .reconnect(50, 500, 0.1)
                .build();
        tap = ReplicatingTap.start(config, sender, Duration.ofSeconds(10), tapMetrics, InstantSource.system());
    }

    String nbdUri(String export) {
        return "nbd://127.0.0.1:" + tap.tap().port() + "/" + export;
    }

    Path replica(String disk) {
        return replicas.resolve("cg-" + CG).resolve(disk + ".img");
    }

    ConsistencyGroupStatus targetStatus() {
        return target.consistencyGroup(CG).orElseThrow(() -> new AssertionError("the target has no cg " + CG));
    }

    /** Waits until the target has applied every write the tap ordered and every replica is UP_TO_DATE. */
    void awaitReplicaCaughtUp(Duration deadline) {
        await().atMost(deadline).pollInterval(Duration.ofMillis(100)).until(() -> {
            long last = tap.tap().lastSeq();
            return target.consistencyGroup(CG)
                    .filter(s -> s.appliedSeq() == last && s.failure().isEmpty()
                            && s.replicaStates().values().stream().allMatch(ReplicaState.UP_TO_DATE::equals))
                    .isPresent();
        });
    }

    /** The sum of every counter (plain or function-backed) of that name in {@code registry}. */
    double counter(SimpleMeterRegistry registry, String name) {
        return registry.find(name).counters().stream().mapToDouble(Counter::count).sum()
                + registry.find(name).functionCounters().stream().mapToDouble(FunctionCounter::count).sum();
    }

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
}
