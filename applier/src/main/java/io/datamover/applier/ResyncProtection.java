package io.datamover.applier;

import io.datamover.applier.ApplyException.Reason;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.DiskInfo;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the last consistent image of a replica set recoverable while a resync makes it INCONSISTENT: from the
 * batch in which a SYNC_BEGIN reaches an UP_TO_DATE disk until every disk that was UP_TO_DATE then is UP_TO_DATE
 * again, the current content of every region a batch is about to overwrite or punch for the first time, on every
 * disk of the group that was consistent, goes to the {@link UndoLog} and is made durable before the batch writes
 * anything. The image protected is the one at the applied seq before that batch (a batch boundary, so the group's
 * disks are consistent with one another there).
 *
 * <p>An initial sync (a disk INCONSISTENT since creation) keeps no log: there is no consistent image to protect.
 *
 * <p>Owned by the applier's thread.
 */
final class ResyncProtection {
    private static final Logger LOG = LoggerFactory.getLogger(ResyncProtection.class);

    private final ReplicaSet replicas;
    private final long undoMaxBytes;
    private final UndoFullPolicy whenFull;
    private final ApplierMetrics metrics;

    ResyncProtection(ReplicaSet replicas, long undoMaxBytes, UndoFullPolicy whenFull, ApplierMetrics metrics) {
        if (undoMaxBytes < 1) {
            throw new IllegalArgumentException("undoMaxBytes must be >= 1: " + undoMaxBytes);
        }
        this.replicas = replicas;
        this.undoMaxBytes = undoMaxBytes;
        this.whenFull = whenFull;
        this.metrics = metrics;
    }

    /**
     * Up to this, the default bound lets the log save every region of the group: a small group is protected
     * whatever its resync touches. Beyond, saving every region costs too much target disk for a default.
     */
    static final long WHOLE_GROUP_BOUND_UP_TO = 256L << 20;

    /**
     * The default bound: enough to save every region of every disk of the group, up to
     * {@link #WHOLE_GROUP_BOUND_UP_TO}; a tenth of the group's disks when that is more.
     */
    static long defaultUndoMaxBytes(List<DiskInfo> disks) {
        long total = 0;
        long wholeGroup = UndoLog.MAX_HEADER_BYTES;
        for (DiskInfo d : disks) {
            total += d.sizeBytes();
            wholeGroup += UndoEntry.wholeDiskBytes(d.sizeBytes(), ReplicaSet.UNDO_REGION_BYTES);
        }
        return Math.max(Math.min(wholeGroup, WHOLE_GROUP_BOUND_UP_TO), total / 10);
    }

    /**
     * Before the batch {@code [firstSeq, lastSeq]} writes anything: starts protecting when {@code resyncBegins}
     * (it takes an UP_TO_DATE disk INCONSISTENT) and saves, durably, the before-image of every region its entries
     * are the first to touch since the consistent image.
     *
     * @throws ApplyException UNDO_LOG_FULL when the log would pass its bound and the policy is to stop; no replica was
     *     written. With {@link UndoFullPolicy#CONTINUE} the log is dropped instead and the batch goes on unprotected
     */
    void beforeWrites(long firstSeq, long lastSeq, boolean resyncBegins, List<BlockWrite> entries)
            throws ApplyException, IOException {
        UndoLog log = replicas.undoLog();
        if (log == null) {
            if (!resyncBegins) {
                return;
            }
            log = replicas.startUndoLog();
            LOG.info("cg {}: a resync begins in batch [{}, {}]: the replicas are INCONSISTENT until its SYNC_END; the "
                    + "consistent image at seq {} is kept in {} (at most {} bytes) until then",
                    cg(), firstSeq, lastSeq, log.header().consistentSeq(), log.file(), undoMaxBytes);
        }
        int regionBytes = log.header().regionBytes();
        int appended = 0;
        for (BlockWrite e : entries) {
            if (e.kind().isMarker() || e.length() == 0 || !log.header().protects(e.disk())) {
                continue;
            }
            Replica replica = replicas.replica(e.disk());
            for (long region = e.offset() / regionBytes; region <= (e.endOffset() - 1) / regionBytes; region++) {
                if (log.isSaved(e.disk(), region)) {
                    continue;
                }
                long offset = region * regionBytes;
                int length = (int) Math.min(regionBytes, replica.disk().sizeBytes() - offset);
                UndoEntry before = UndoEntry.capture(replica.file(), e.disk(), offset, length);
                if (log.sizeBytes() + before.encodedBytes() > undoMaxBytes && whenFull == UndoFullPolicy.CONTINUE) {
                    abandon(log, firstSeq, lastSeq);
                    return;
                }
                if (log.sizeBytes() + before.encodedBytes() > undoMaxBytes) {
                    metrics.undoFull.increment();
                    log.sync(); // what was saved stays valid: those regions are not written yet
                    metrics.error(Reason.UNDO_LOG_FULL.name());
                    throw new ApplyException(Reason.UNDO_LOG_FULL, "batch [" + firstSeq + ", " + lastSeq
                            + "] needs more before-images than the undo log bound allows (" + log.sizeBytes()
                            + " of " + undoMaxBytes + " bytes used, protecting the consistent image at seq "
                            + log.header().consistentSeq() + "); raise the bound and restart, roll back, or restart"
                            + " with --undo-full continue to go on without the consistent image");
                }
                log.append(before);
                appended++;
                metrics.undoEntries.increment();
                metrics.undoBytes.increment(before.encodedBytes());
            }
        }
        if (appended > 0) {
            log.sync();
            CrashPoint.reached(CrashPoint.Point.TARGET_UNDO_SAVED);
        }
    }

    /**
     * The operator chose to go on when the log is full ({@link UndoFullPolicy#CONTINUE}): the log is dropped, durably,
     * and the resync goes on with no consistent image to roll back or fail over to until it ends.
     */
    private void abandon(UndoLog log, long firstSeq, long lastSeq) throws IOException {
        long consistentSeq = log.header().consistentSeq();
        long bytes = log.sizeBytes();
        replicas.dropUndoLog();
        metrics.undoAbandoned.increment();
        LOG.warn("cg {}: UNPROTECTED: batch [{}, {}] needs more before-images than the undo log bound allows ({} of {}"
                + " bytes used); --undo-full continue: the undo log of the consistent image at seq {} is DROPPED and"
                + " the resync goes on. Until it ends the replicas are INCONSISTENT with NO consistent image to roll"
                + " back or fail over to", cg(), firstSeq, lastSeq, bytes, undoMaxBytes, consistentSeq);
    }

    /** After a batch is recorded: drops the undo log once the resync it protected is over. */
    void afterRecorded(long appliedSeq) throws IOException {
        UndoLog log = replicas.undoLog();
        if (log == null) {
            return;
        }
        Map<Integer, ReplicaState> states = replicas.states();
        if (log.header().outgrownBy(appliedSeq, states, replicas.generations())) {
            long consistentSeq = log.header().consistentSeq();
            int entries = log.entries();
            long bytes = log.sizeBytes();
            replicas.dropUndoLog();
            CrashPoint.reached(CrashPoint.Point.TARGET_UNDO_DROPPED);
            LOG.info("cg {}: the resync ended at seq {}: every disk is UP_TO_DATE again; dropped the undo log of the "
                    + "consistent image at seq {} ({} entries, {} bytes)", cg(), appliedSeq, consistentSeq, entries,
                    bytes);
        }
    }

    private String cg() {
        return Integer.toUnsignedString(replicas.cgId());
    }
}
