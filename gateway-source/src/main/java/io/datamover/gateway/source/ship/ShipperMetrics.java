package io.datamover.gateway.source.ship;

import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.netty.ErrorOrigin;
import io.datamover.protocol.tls.TlsRefusal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The shipper's meters, tagged {@code cg}. Tallies are kept here (the status snapshot reads them)
 * and exposed as function counters; the RPO and lag gauges read a {@link ShipperStatus}.
 */
final class ShipperMetrics implements AutoCloseable {
    final AtomicLong batchesShipped = new AtomicLong();
    final AtomicLong recordsShipped = new AtomicLong();
    final AtomicLong bodyBytesShipped = new AtomicLong();
    final AtomicLong bodyWireBytes = new AtomicLong();
    final AtomicLong wireBytesOut = new AtomicLong();
    final AtomicLong coalescedRecords = new AtomicLong();
    final AtomicLong coalescedBytes = new AtomicLong();

    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    private final Counter reconnects;
    private final Counter gaps;
    private final Counter ackTimeouts;
    private final DistributionSummary batchRecords;
    private final DistributionSummary batchBytes;
    /** The latest error on the link to the target, for status; null until one happens. */
    private volatile String lastError;

    ShipperMetrics(MeterRegistry registry, String cgLabel) {
        this.registry = registry;
        this.tags = Tags.of("cg", cgLabel);
        tally("datamover.source.shipped.batches", "batches shipped to the target", batchesShipped);
        tally("datamover.source.shipped.records", "records (seqs) covered by shipped batches", recordsShipped);
        tally("datamover.source.shipped.bytes", "batch body bytes shipped, after coalescing, before compression",
                bodyBytesShipped);
        tally("datamover.source.wire.bytes", "batch frame bytes sent to the target", wireBytesOut);
        tally("datamover.source.coalesced.records", "writes dropped because later writes of their batch cover them",
                coalescedRecords);
        tally("datamover.source.coalesced.bytes", "body bytes those writes would have taken", coalescedBytes);
        this.reconnects = register(Counter.builder("datamover.source.reconnects")
                .description("reconnect attempts to the target scheduled").tags(tags).register(registry));
        this.gaps = register(Counter.builder("datamover.source.ship.gaps")
                .description("connections where the target's resume point was not in the journal").tags(tags)
                .register(registry));
        this.ackTimeouts = register(Counter.builder("datamover.source.ack.timeouts")
                .description("connections closed because the target acknowledged nothing for the ack timeout while"
                        + " batches were in flight").tags(tags).register(registry));
        this.batchRecords = register(DistributionSummary.builder("datamover.source.batch.records")
                .description("records (seqs) a shipped batch covers").tags(tags).register(registry));
        this.batchBytes = register(DistributionSummary.builder("datamover.source.batch.size")
                .description("frame bytes of a shipped batch, as sent").baseUnit("bytes").tags(tags)
                .register(registry));
    }

    /**
     * Registers the gauges that read the shipper's status: only once the shipper is whole, since a scrape may read
     * them the moment they are registered (a group created during a scrape).
     */
    void publishStatus(Supplier<ShipperStatus> status) {
        gauge("datamover.source.rpo.seconds", "age of the oldest write durable at the source and not applied",
                () -> status.get().rpoSeconds());
        gauge("datamover.source.lag.records", "records durable at the source and not applied",
                () -> status.get().lagRecords());
        gauge("datamover.source.lag.bytes", "bytes durable at the source and not applied",
                () -> status.get().lagBytes());
        gauge("datamover.source.batches.inflight", "batches sent and not acknowledged durable",
                () -> status.get().batchesInFlight());
        gauge("datamover.source.compression.ratio", "body bytes before compression over bytes sent",
                () -> status.get().compressionRatio());
        gauge("datamover.source.connected", "1 while a handshaken connection to the target is up",
                () -> status.get().connected() ? 1 : 0);
        gauge("datamover.pair.diverged", "1 while the target and this source refuse each other as DIVERGED or "
                + "UNRELATED (their generation histories disagree)", () -> status.get().diverged() ? 1 : 0);
    }

    void shipped(long records, long bodyBytes, long bodyWire, long frameBytes, int dropped, long droppedBytes) {
        batchesShipped.incrementAndGet();
        recordsShipped.addAndGet(records);
        bodyBytesShipped.addAndGet(bodyBytes);
        bodyWireBytes.addAndGet(bodyWire);
        wireBytesOut.addAndGet(frameBytes);
        coalescedRecords.addAndGet(dropped);
        coalescedBytes.addAndGet(droppedBytes);
        batchRecords.record(records);
        batchBytes.record(frameBytes);
    }

    double compressionRatio() {
        long wire = bodyWireBytes.get();
        return wire == 0 ? 1.0 : (double) bodyBytesShipped.get() / wire;
    }

    void reconnectScheduled() {
        reconnects.increment();
    }

    /** The TLS layer refused the target (handshake, or its certificate is not a target gateway of the pair). */
    void tlsRefused(TlsRefusal reason) {
        register(Counter.builder(TlsRefusal.CLIENT_METRIC).description("connections the TLS layer refused, by reason")
                .tags(tags).tag("link", "target").tag("reason", reason.tag()).register(registry)).increment();
        lastError = "TLS refused the target: " + reason.tag();
    }

    void ackTimedOut() {
        ackTimeouts.increment();
        lastError = "the target acknowledged nothing for the ack timeout: reconnected";
    }

    void gapFound(String message) {
        gaps.increment();
        lastError = "refused the target: " + ErrorCode.SEQ_GAP.name() + ": " + message;
    }

    String lastError() {
        return lastError;
    }

    void protocolError(ErrorCode code, ErrorOrigin origin) {
        lastError = (origin == ErrorOrigin.PEER ? "target said " : "refused the target: ") + code.name();
        register(Counter.builder("datamover.source.ship.errors")
                .description("protocol errors on the connection to the target")
                .tags(tags.and("code", code.name(), "origin", origin.name().toLowerCase()))
                .register(registry)).increment();
    }

    private void tally(String name, String description, AtomicLong value) {
        register(FunctionCounter.builder(name, value, AtomicLong::get).description(description).tags(tags)
                .register(registry));
    }

    private void gauge(String name, String description, Supplier<Number> value) {
        register(Gauge.builder(name, value).description(description).tags(tags).register(registry));
    }

    private synchronized <M extends Meter> M register(M meter) {
        if (!meters.contains(meter)) {
            meters.add(meter);
        }
        return meter;
    }

    @Override
    public synchronized void close() {
        meters.forEach(registry::remove);
        meters.clear();
    }
}
