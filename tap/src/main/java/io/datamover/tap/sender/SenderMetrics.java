package io.datamover.tap.sender;

import java.util.Locale;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.netty.ErrorOrigin;
import io.datamover.protocol.tls.TlsRefusal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/** The sender's meters, tagged with its consistency group. Counters are thread-safe. */
final class SenderMetrics {
    static final String PREFIX = "datamover.sender.";

    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter recordsSent;
    private final Counter bytesSent;
    private final Counter reconnects;
    private final Counter disconnects;
    private final Counter resent;
    private final Counter ackTimeouts;
    private final Counter acknowledgedLost;
    private final Map<BitmapReason, Counter> refusals = new EnumMap<>(BitmapReason.class);
    private final List<Gauge> gauges = new ArrayList<>();

    SenderMetrics(MeterRegistry registry, int cg) {
        this.registry = registry;
        this.tags = Tags.of("cg", Integer.toString(cg));
        this.recordsSent = registry.counter(PREFIX + "records.sent", tags);
        this.bytesSent = registry.counter(PREFIX + "bytes.sent", tags);
        this.reconnects = registry.counter(PREFIX + "reconnects", tags);
        this.disconnects = registry.counter(PREFIX + "disconnects", tags);
        this.resent = registry.counter(PREFIX + "records.resent", tags);
        this.ackTimeouts = registry.counter(PREFIX + "ack.timeouts", tags);
        this.acknowledgedLost = registry.counter(PREFIX + "acknowledged.lost", tags);
        for (BitmapReason reason : BitmapReason.values()) {
            refusals.put(reason, registry.counter(PREFIX + "refusals", tags.and("reason", reason.tag())));
        }
    }

    /** Gauges read live state; registered once the sender exists to read it from. */
    void gauges(DoubleSupplier windowBytes, DoubleSupplier durableSeq, DoubleSupplier streaming,
            DoubleSupplier connected) {
        gauge("window.bytes", windowBytes);
        gauge("acked.seq", durableSeq);
        gauge("streaming", streaming);
        gauge("connected", connected);
    }

    /** {@code datamover.sender.gateway.epoch}: the highest epoch of a leading gateway seen (0: not coordinated). */
    void epochGauge(DoubleSupplier highestEpoch) {
        gauge("gateway.epoch", highestEpoch);
    }

    void sent(int encodedBytes) {
        recordsSent.increment();
        bytesSent.increment(encodedBytes);
    }

    /** Records sent again on a new connection after an outage. */
    void resent(int records) {
        resent.increment(records);
    }

    void refused(BitmapReason reason) {
        refusals.get(reason).increment();
    }

    void reconnectScheduled() {
        reconnects.increment();
    }

    /** A connection closed because the gateway acknowledged nothing for the ack timeout while records waited. */
    void ackTimedOut() {
        ackTimeouts.increment();
    }

    /** The gateway came back holding less than it acknowledged durable: every region resynced. */
    void acknowledgedLost() {
        acknowledgedLost.increment();
    }

    void disconnected() {
        disconnects.increment();
    }

    /** The TLS layer refused the gateway (handshake, or its certificate is not a source gateway of the pair). */
    void tlsRefused(TlsRefusal reason) {
        registry.counter(TlsRefusal.CLIENT_METRIC, tags.and("link", "gateway", "reason", reason.tag())).increment();
    }

    /** Rare by nature, so the counter per code is looked up when needed. */
    void protocolError(ErrorCode code, ErrorOrigin origin) {
        registry.counter(PREFIX + "protocol.errors",
                tags.and("code", code.name(), "origin", origin.name().toLowerCase(Locale.ROOT)))
                .increment();
    }

    /** Removes the gauges: they read a sender that no longer runs. Counters keep their totals. */
    void close() {
        gauges.forEach(registry::remove);
        gauges.clear();
    }

    private void gauge(String name, DoubleSupplier value) {
        gauges.add(Gauge.builder(PREFIX + name, value, DoubleSupplier::getAsDouble).tags(tags)
                .strongReference(true).register(registry));
    }
}
