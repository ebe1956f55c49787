package io.datamover.tap.support;

import io.datamover.tap.ReplicatingTap;
import io.datamover.tap.TapConfig;
import io.datamover.tap.sender.SenderConfig;
import io.datamover.tap.sender.TestGatewayReceiver;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.InstantSource;
import java.util.function.UnaryOperator;

/** A replicating tap wired to a test receiver, with fast reconnects and a short outage grace. */
public final class TestTaps {

    private TestTaps() {
    }

    /**
     * Starts a tap whose sender streams cg {@code cg} to {@code receiver}, waiting up to {@code connectWait} for it;
     * an outage of 300 ms is already bitmap mode, so tests that stop the receiver need not wait long.
     */
    public static ReplicatingTap start(TestGatewayReceiver receiver, int cg, TapConfig config, Duration connectWait,
            MeterRegistry registry) throws Exception {
        return start(receiver, cg, config, connectWait, registry, UnaryOperator.identity());
    }

    /** As above, with {@code adjust} changing the sender's configuration. */
    public static ReplicatingTap start(TestGatewayReceiver receiver, int cg, TapConfig config, Duration connectWait,
            MeterRegistry registry, UnaryOperator<SenderConfig.Builder> adjust) throws Exception {
        SenderConfig sender = adjust.apply(SenderConfig.builder("127.0.0.1", receiver.port())
                .identity("tap-test", config.pairId())
                .consistencyGroup(cg, "cg-test", ReplicatingTap.disksOf(config))
                .link(l -> l.withReconnect(50, 200, 0.1))
                .outageGraceMs(300))
                .build();
        return ReplicatingTap.start(config, sender, connectWait, registry, InstantSource.system());
    }
}
