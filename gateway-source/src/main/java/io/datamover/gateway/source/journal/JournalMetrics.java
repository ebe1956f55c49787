package io.datamover.gateway.source.journal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.function.LongSupplier;

/**
 * The journal's meters, tagged with its directory (one journal per consistency group). The whole path, not the
 * last name: every group's journal directory is called {@code journal}.
 */
final class JournalMetrics {
    final Counter recordsAppended;
    final Counter bytesAppended;
    final Counter fullRefusals;
    /** Appends refused because the disk was full or failed (ENOSPC, EIO). */
    final Counter writeFailures;
    final Timer syncs;
    final Counter corruptEntriesSkipped;
    final Counter outOfSequenceEntriesSkipped;
    private final MeterRegistry registry;
    private final Gauge retainedBytes;

    JournalMetrics(MeterRegistry registry, String journal, LongSupplier retainedBytes) {
        Tags tags = Tags.of("journal", journal);
        recordsAppended = registry.counter("datamover.journal.records.appended", tags);
        bytesAppended = registry.counter("datamover.journal.bytes.appended", tags);
        fullRefusals = registry.counter("datamover.journal.full.refusals", tags);
        writeFailures = registry.counter("datamover.journal.write.failures", tags);
        syncs = registry.timer("datamover.journal.syncs", tags);
        corruptEntriesSkipped = registry.counter("datamover.journal.entries.skipped", tags.and("reason", "corrupt"));
        outOfSequenceEntriesSkipped = registry.counter("datamover.journal.entries.skipped",
                tags.and("reason", "out_of_sequence"));
        this.registry = registry;
        this.retainedBytes = Gauge.builder("datamover.journal.retained.bytes", retainedBytes::getAsLong)
                .tags(tags).baseUnit("bytes").register(registry);
    }

    /** Unregisters the gauge, which would otherwise keep reading a closed journal after a reopen. */
    void close() {
        registry.remove(retainedBytes);
    }
}
