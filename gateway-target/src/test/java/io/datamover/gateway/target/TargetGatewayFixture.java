package io.datamover.gateway.target;

import io.datamover.protocol.Hello;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** A target gateway on a loopback port in a temporary directory, the test sources connected to it, and the model. */
abstract class TargetGatewayFixture {
    static final int CG = 7;
    static final String PAIR = "pair-a";

    @TempDir
    Path tmp;

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final Images images = new Images();
    private final List<TestSource> sources = new ArrayList<>();
    TargetGateway gateway;

    @AfterEach
    void stopGatewayAndSources() throws Exception {
        sources.forEach(TestSource::close);
        if (gateway != null) {
            gateway.close();
        }
    }

    /** Starts (or restarts) the gateway with the defaults as {@code tweak} changes them. */
    TargetGateway start(UnaryOperator<TargetGatewayConfig.Builder> tweak) throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        gateway = TargetGateway.start(tweak.apply(TargetGatewayConfig.builder(tmp.resolve("data"),
                tmp.resolve("replicas")).listen("127.0.0.1", 0)).build(), registry);
        return gateway;
    }

    TargetGateway start() throws Exception {
        return start(b -> b);
    }

    TestSource connect(Hello hello) throws Exception {
        TestSource source = TestSource.handshaken(gateway.address(), hello);
        sources.add(source);
        return source;
    }

    TestSource connect() throws Exception {
        return connect(TestSource.hello(PAIR, CG, Images.DISKS));
    }

    /** A source that is closed with the others at the end of the test. */
    TestSource track(TestSource source) {
        sources.add(source);
        return source;
    }

    Path replicaDir() {
        return TargetGateway.replicaSetDirectory(tmp.resolve("replicas"), CG);
    }

    ConsistencyGroupStatus status() {
        return gateway.consistencyGroup(CG).orElseThrow();
    }
}
