package io.datamover.gateway.source.receiver;

import io.datamover.protocol.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The io receiver's meters (all taps of the gateway). Counters are thread-safe. */
public final class ReceiverMetrics {
    private static final String PREFIX = "datamover.source.receiver.";

    private final MeterRegistry registry;
    final Counter tapsConnected;
    final Counter flushes;
    final Counter readPauses;
    private final Counter recordsIn;
    private final Counter bytesIn;

    public ReceiverMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.tapsConnected = registry.counter(PREFIX + "taps.connected");
        this.flushes = registry.counter(PREFIX + "flushes");
        this.readPauses = registry.counter(PREFIX + "read.pauses");
        this.recordsIn = registry.counter(PREFIX + "records");
        this.bytesIn = registry.counter(PREFIX + "bytes");
    }

    void received(int payloadBytes) {
        recordsIn.increment();
        bytesIn.increment(payloadBytes);
    }

    /** A connection this gateway closed, by the reason it gave the tap. */
    void refused(ErrorCode code) {
        registry.counter(PREFIX + "errors", "code", code.name(), "origin", "local").increment();
    }

    /** An ERROR frame the tap sent. */
    void peerError(ErrorCode code) {
        registry.counter(PREFIX + "errors", "code", code.name(), "origin", "peer").increment();
    }
}
