package io.datamover.tap.sync;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** The resyncs after bitmap mode of one consistency group, as operators see them; per disk where it matters. */
final class ResyncMetrics {

    /** One disk's share of the resyncs; also the totals one run logs. */
    static final class DiskCounters {
        final Counter bytesRead;
        final Counter bytesSent;
        final Counter bytesZeroed;
        final Counter records;
        long read;
        long sent;
        long zeroed;

        private DiskCounters(MeterRegistry registry, Tags tags) {
            this.bytesRead = registry.counter("datamover.tap.resync.bytes.read", tags);
            this.bytesSent = registry.counter("datamover.tap.resync.bytes.sent", tags);
            this.bytesZeroed = registry.counter("datamover.tap.resync.bytes.zeroed", tags);
            this.records = registry.counter("datamover.tap.resync.records.sent", tags);
        }

        void read(long bytes) {
            read += bytes;
            bytesRead.increment(bytes);
        }

        void sent(long bytes, boolean asZero) {
            records.increment();
            if (asZero) {
                zeroed += bytes;
                bytesZeroed.increment(bytes);
            } else {
                sent += bytes;
                bytesSent.increment(bytes);
            }
        }
    }

    private final MeterRegistry registry;
    private final Tags tags;
    private final Timer completed;

    ResyncMetrics(MeterRegistry registry, long cg) {
        this.registry = registry;
        this.tags = Tags.of("cg", Long.toString(cg));
        this.completed = registry.timer("datamover.tap.resync.duration", tags);
    }

    /** Fresh per-run totals for {@code disk}, feeding that disk's counters. */
    DiskCounters disk(String disk) {
        return new DiskCounters(registry, tags.and("disk", disk));
    }

    /** One resync ended: {@code completed}, {@code stopped} (bitmap mode again, or closing) or {@code failed}. */
    void ended(String outcome, Duration took) {
        registry.counter("datamover.tap.resync.runs", tags.and("outcome", outcome)).increment();
        if (outcome.equals("completed")) {
            completed.record(took);
        }
    }
}
