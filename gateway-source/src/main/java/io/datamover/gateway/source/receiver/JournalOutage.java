package io.datamover.gateway.source.receiver;

import io.datamover.gateway.source.journal.JournalWriteException;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.netty.ReconnectBackoff;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's disk full or failing (ENOSPC or EIO on an append): the tap is refused, and goes to bitmap mode,
 * until the next try, which waits a backoff (1 s doubling up to 30 s) so that a full disk is not tried for every
 * record of each resync; the first append that succeeds ends it. As the target gateway does with its replicas,
 * nothing waits for an operator: the shipper's releases give space back meanwhile.
 *
 * <p>Owner thread of the journal, except {@link #lastError()}, read by status from any thread. Its gauge
 * {@code datamover.source.journal.storage.failed} is 1 while it lasts; each failed append counts in
 * {@code datamover.journal.write.failures}.
 */
final class JournalOutage {
    private static final Logger LOG = LoggerFactory.getLogger(JournalOutage.class);
    static final long FIRST_RETRY_MS = 1_000;
    static final long MAX_RETRY_MS = 30_000;

    private final String cg;
    private final InstantSource clock;
    private final ReconnectBackoff backoff = new ReconnectBackoff(FIRST_RETRY_MS, MAX_RETRY_MS, 0, new Random());
    private final MeterRegistry registry;
    private final Gauge failedGauge;
    private volatile String lastError;
    private JournalWriteException failure;
    private Instant since;
    private long retryAtMillis;
    private int failedTries;

    JournalOutage(String cg, InstantSource clock, MeterRegistry registry) {
        this.cg = cg;
        this.clock = clock;
        this.registry = registry;
        this.failedGauge = Gauge.builder("datamover.source.journal.storage.failed", this,
                        outage -> outage.lastError != null ? 1 : 0)
                .tags(Tags.of("cg", cg)).register(registry);
    }

    /** Whether the journal may not be tried yet: it failed and the backoff has not passed. */
    boolean waiting() {
        return failure != null && clock.millis() < retryAtMillis;
    }

    /** Whether the last append failed: the next one is a retry. */
    boolean failing() {
        return failure != null;
    }

    /** An append failed: logs it (no stack trace: the errno says it all, at every try), counts it, and backs off. */
    void failed(JournalWriteException e) {
        if (failure == null) {
            since = clock.instant();
        }
        failure = e;
        failedTries++;
        long delayMs = backoff.nextDelayMs();
        retryAtMillis = clock.millis() + delayMs;
        lastError = "the journal cannot store records since " + since + " (" + failedTries + " tries): "
                + e.getMessage();
        LOG.error("cg {}: {}; the tap goes to bitmap mode, the journal is tried again in {} ms", cg, lastError,
                delayMs);
    }

    /** An append succeeded: ends an outage, if there was one. */
    void succeeded() {
        if (failure == null) {
            return;
        }
        LOG.info("cg {}: the journal takes records again, after {} failed tries since {}", cg, failedTries, since);
        failure = null;
        lastError = null;
        failedTries = 0;
        backoff.reset();
    }

    /** Why the tap is refused: JOURNAL_FULL when the disk is full, STORAGE_FAILURE for an I/O error. */
    ProtocolException refusal() {
        ErrorCode code = failure.outOfSpace() ? ErrorCode.JOURNAL_FULL : ErrorCode.STORAGE_FAILURE;
        return new ProtocolException(code, "the source journal of cg " + cg + " cannot store records: "
                + failure.getMessage() + "; switch to bitmap mode (tried again from "
                + Instant.ofEpochMilli(retryAtMillis) + ")");
    }

    /** The outage as status shows it, or null when the journal takes records. */
    String lastError() {
        return lastError;
    }

    void unregister() {
        registry.remove(failedGauge);
    }
}
