package io.datamover.tap.sync;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.atomic.AtomicLong;

/** The initial sync of one disk, as operators see it: bytes read, sent and skipped, and how far it got. */
final class SyncMetrics {

    final Counter bytesRead;
    final Counter bytesSent;
    final Counter bytesSkippedZero;
    final Counter recordsSent;
    private final AtomicLong position = new AtomicLong();
    private final MeterRegistry registry;
    private final Gauge progress;

    SyncMetrics(MeterRegistry registry, long cg, String disk, long sizeBytes) {
        Tags tags = Tags.of("cg", Long.toString(cg), "disk", disk);
        this.registry = registry;
        this.bytesRead = registry.counter("datamover.tap.sync.bytes.read", tags);
        this.bytesSent = registry.counter("datamover.tap.sync.bytes.sent", tags);
        this.bytesSkippedZero = registry.counter("datamover.tap.sync.bytes.skipped.zero", tags);
        this.recordsSent = registry.counter("datamover.tap.sync.records.sent", tags);
        this.progress = Gauge.builder("datamover.tap.sync.progress.ratio", position,
                p -> sizeBytes == 0 ? 1.0 : (double) p.get() / sizeBytes).tags(tags).register(registry);
    }

    /** The sync has covered the disk below {@code offset}. */
    void reached(long offset) {
        position.set(offset);
    }

    long position() {
        return position.get();
    }

    void close() {
        registry.remove(progress);
    }
}
