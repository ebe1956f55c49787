package io.datamover.applier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The applier's meters, tagged with the consistency group. */
final class ApplierMetrics {
    private final MeterRegistry registry;
    private final String cg;
    final Counter batchesApplied;
    final Counter batchesSkipped;
    final Counter entries;
    final Counter bytesWritten;
    final Counter bytesPunched;
    final Timer applyLatency;
    final Counter undoEntries;
    final Counter undoBytes;
    final Counter undoFull;
    final Counter undoAbandoned;

    ApplierMetrics(MeterRegistry registry, int cgId) {
        this.registry = registry;
        this.cg = Integer.toString(cgId);
        batchesApplied = Counter.builder("datamover.applier.batches").tag("cg", cg).tag("result", "applied")
                .description("batches applied and made durable").register(registry);
        batchesSkipped = Counter.builder("datamover.applier.batches").tag("cg", cg).tag("result", "already_applied")
                .description("batches received again after they were applied, skipped").register(registry);
        entries = Counter.builder("datamover.applier.entries").tag("cg", cg)
                .description("block writes applied").register(registry);
        bytesWritten = Counter.builder("datamover.applier.bytes.written").tag("cg", cg).baseUnit("bytes")
                .description("bytes written to replicas (data, and zeros on thick replicas)").register(registry);
        bytesPunched = Counter.builder("datamover.applier.bytes.punched").tag("cg", cg).baseUnit("bytes")
                .description("bytes turned into holes on thin replicas").register(registry);
        applyLatency = Timer.builder("datamover.applier.apply").tag("cg", cg)
                .description("time to apply one batch, sync it and record its seq").register(registry);
        undoEntries = Counter.builder("datamover.applier.undo.entries").tag("cg", cg)
                .description("regions whose before-image was saved in the undo log of a resync").register(registry);
        undoBytes = Counter.builder("datamover.applier.undo.appended").tag("cg", cg).baseUnit("bytes")
                .description("bytes appended to the undo log of a resync").register(registry);
        undoFull = Counter.builder("datamover.applier.undo.full").tag("cg", cg)
                .description("resync batches refused because the undo log reached --undo-max: applying stopped")
                .register(registry);
        undoAbandoned = Counter.builder("datamover.applier.undo.abandoned").tag("cg", cg)
                .description("undo logs dropped at their bound (--undo-full continue): the resync went on without a"
                        + " consistent image").register(registry);
    }

    /** Counts a refused batch or a failure, by kind (an {@link ApplyException.Reason} name, "storage", ...). */
    void error(String kind) {
        Counter.builder("datamover.applier.errors").tag("cg", cg).tag("kind", kind)
                .description("batches refused or failed, by kind").register(registry).increment();
    }
}
