package io.datamover.applier;

import io.datamover.applier.ApplyException.Reason;
import io.datamover.disk.DiskIOException;
import io.datamover.protocol.Batch;
import io.datamover.protocol.BatchBodies;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.FrameLimits;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.RecordKind;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies batches to a {@link ReplicaSet} strictly in seq order: check the whole batch (seq range, disks,
 * ranges, payload CRCs) before touching anything, write every entry in order, fdatasync every touched
 * replica, then record the batch's last seq in the replica stamp, together with the replica states its
 * SYNC_BEGIN / SYNC_END markers lead to ({@link ReplicaStateTransitions}). A set with a PROMOTED disk refuses
 * every batch.
 *
 * <p>On a thin replica, ZERO and TRIM ranges and all-zero blocks of DATA writes become punched holes; on a
 * thick one (allocated whole when opened, {@link ReplicaSet}) they stay allocated and read as zeros. Block-granular zero detection keeps mostly-empty writes thin.
 *
 * <p><b>Crash and replay.</b> Every operation sets its whole byte range to content that depends only on the
 * entry (pwrite of the payload, a hole, or zeros), so applying a batch's entries in order from any
 * intermediate state gives the same disk content. A crash after some writes but before the seq is recorded
 * therefore only makes the target apply the batch again, with the same result. A batch at or below the
 * applied seq is skipped; one that would leave a gap or overlap the applied seq is refused.
 *
 * <p><b>Resync.</b> From the batch whose SYNC_BEGIN takes an UP_TO_DATE disk INCONSISTENT until every such disk is
 * UP_TO_DATE again, the before-image of every region first written is saved in an undo log and synced before the
 * batch writes ({@link ResyncProtection}), so the last consistent image stays recoverable
 * ({@link ConsistentImageRollback}).
 *
 * <p><b>One owner.</b> An applier and its replica set are used by one thread; nothing here is synchronized.
 * After a storage failure the applier refuses further work: the kernel may have dropped unsynced pages, so
 * the caller must reopen the replica set and replay from the recorded applied seq.
 */
public final class Applier {
    /** Source of zeros for thick replicas; read-only, shared, duplicated per use. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(256 * 1024).asReadOnlyBuffer();
    /** Alignment of fallocate on a block device: a multiple of every logical block size there is. */
    private static final long DEVICE_BLOCK = 4096;

    /** What {@code apply} did with a batch. */
    public enum Outcome {
        /** The batch was written, synced and its last seq recorded. */
        APPLIED,
        /** The batch was at or below the applied seq: nothing was written (replay after a crash or resend). */
        ALREADY_APPLIED
    }

    private final ReplicaSet replicas;
    private final MeterRegistry registry;
    private final ApplierMetrics metrics;
    private final ResyncProtection protection;
    private IOException storageFailure;
    /** The rehearsal's view whose before-images each batch keeps first, or null; set on the applier's thread. */
    private RehearsalView rehearsal;
    /** Test seam: runs once a batch's before-images are durable, before its first replica write. */
    Runnable afterUndoDurable = () -> {};

    /** An applier whose resync undo log has the default bound (see {@link ResyncProtection#defaultUndoMaxBytes}). */
    public Applier(ReplicaSet replicas, MeterRegistry registry) {
        this(replicas, registry, ResyncProtection.defaultUndoMaxBytes(replicas.disks()));
    }

    /**
     * @param undoMaxBytes bound of the undo log that keeps the last consistent image during a resync; a batch that
     *     would pass it is refused ({@link ApplyException.Reason#UNDO_LOG_FULL}) and nothing of it is written
     */
    public Applier(ReplicaSet replicas, MeterRegistry registry, long undoMaxBytes) {
        this(replicas, registry, undoMaxBytes, UndoFullPolicy.STOP);
    }

    /**
     * @param undoMaxBytes bound of the resync's undo log (empty: the default, see
     *     {@link ResyncProtection#defaultUndoMaxBytes})
     * @param whenFull what a batch that would pass the bound does: refused, or the log dropped and the batch applied
     */
    public Applier(ReplicaSet replicas, MeterRegistry registry, java.util.OptionalLong undoMaxBytes,
            UndoFullPolicy whenFull) {
        this(replicas, registry, undoMaxBytes.orElseGet(() -> ResyncProtection.defaultUndoMaxBytes(replicas.disks())),
                whenFull);
    }

    private Applier(ReplicaSet replicas, MeterRegistry registry, long undoMaxBytes, UndoFullPolicy whenFull) {
        this.replicas = replicas;
        this.registry = registry;
        this.metrics = new ApplierMetrics(registry, replicas.cgId());
        this.protection = new ResyncProtection(replicas, undoMaxBytes, whenFull, metrics);
    }

    /** The highest seq whose batch is applied and durable. */
    public long appliedSeq() {
        return replicas.appliedSeq();
    }

    /**
     * Opens {@code batch} (decompression, body CRC, entry fields) and applies it. The batch is not released;
     * the entries it yields are released here.
     */
    public Outcome apply(Batch batch, FrameLimits limits, ByteBufAllocator alloc)
            throws ApplyException, ProtocolException, IOException {
        if (batch.cg() != replicas.cgId()) {
            throw refuse(Reason.WRONG_CG, "batch [" + batch.firstSeq() + ", " + batch.lastSeq() + "] is for consistency group "
                    + batch.cg() + ", this replica set holds group " + replicas.cgId());
        }
        requireNoPromotedReplica();
        if (batch.lastSeq() <= appliedSeq()) {
            return skip();
        }
        List<BlockWrite> entries;
        try {
            entries = BatchBodies.open(batch, limits, alloc);
        } catch (ProtocolException e) {
            metrics.error(e.code().name());
            throw e;
        }
        try {
            return apply(batch.firstSeq(), batch.lastSeq(), entries);
        } finally {
            entries.forEach(BlockWrite::release);
        }
    }

    /**
     * Applies the entries of the batch {@code [firstSeq, lastSeq]}, in list order. The caller keeps ownership
     * of the entries.
     *
     * @throws ApplyException if the batch is refused; nothing was written and the applied seq is unchanged
     * @throws IOException if a replica or the stamp could not be written or synced; the batch may be partly
     *     written (replaying it is safe) and this applier is no longer usable
     */
    public Outcome apply(long firstSeq, long lastSeq, List<BlockWrite> entries) throws ApplyException, IOException {
        if (storageFailure != null) {
            throw new IllegalStateException("applier of " + replicas.directory()
                    + " stopped after a storage failure; reopen the replica set", storageFailure);
        }
        if (firstSeq < 1 || lastSeq < firstSeq) {
            throw new IllegalArgumentException("bad seq range [" + firstSeq + ", " + lastSeq + "]");
        }
        requireNoPromotedReplica();
        long applied = appliedSeq();
        if (lastSeq <= applied) {
            return skip();
        }
        if (firstSeq != applied + 1) {
            throw refuse(Reason.SEQ_GAP, "batch [" + firstSeq + ", " + lastSeq + "] does not follow applied seq "
                    + applied + " in " + replicas.directory());
        }
        BatchPlan plan = check(firstSeq, lastSeq, entries);
        Timer.Sample sample = Timer.start(registry);
        try {
            // Before-images durable first: a crash from here on leaves the consistent image recoverable.
            protection.beforeWrites(firstSeq, lastSeq, plan.resyncBegins(), entries);
            afterUndoDurable.run();
            replicas.markWritten(entries); // before the writes: a discard after a crash here still knows them
            Set<Replica> touched = new LinkedHashSet<>();
            if (rehearsal == null) {
                writeAll(entries, touched);
            } else {
                rehearsal.overwrite(entries, () -> writeAll(entries, touched));
            }
            for (Replica replica : touched) {
                replica.file().fdatasync();
            }
            CrashPoint.reached(CrashPoint.Point.TARGET_APPLY_SYNCED);
            replicas.recordApplied(lastSeq, plan.statesAfter());
            CrashPoint.reached(CrashPoint.Point.TARGET_APPLIED_SEQ_RECORDED);
            protection.afterRecorded(lastSeq);
        } catch (IOException e) {
            storageFailure = e;
            metrics.error("STORAGE_FAILURE");
            throw e;
        }
        sample.stop(metrics.applyLatency);
        metrics.batchesApplied.increment();
        metrics.entries.increment(entries.size());
        return Outcome.APPLIED;
    }

    private void writeAll(List<BlockWrite> entries, Set<Replica> touched) throws IOException {
        for (BlockWrite e : entries) {
            if (e.kind().isMarker()) {
                continue; // its state change is recorded with the applied seq
            }
            Replica replica = replicas.replica(e.disk());
            write(replica, e);
            touched.add(replica);
            CrashPoint.reached(CrashPoint.Point.TARGET_APPLY_ENTRY_WRITTEN);
        }
    }

    /**
     * From the next batch on, keeps the before-images {@code view} shows before writing over them; null stops it.
     * On the applier's thread only.
     */
    public void rehearsal(RehearsalView view) {
        this.rehearsal = view;
    }

    /** The view being kept, or null. */
    public RehearsalView rehearsal() {
        return rehearsal;
    }

    /**
     * What a checked batch does to the replica states: the states after its markers, and whether one of its
     * SYNC_BEGINs takes an UP_TO_DATE disk INCONSISTENT (a resync: the consistent image must be kept).
     */
    private record BatchPlan(Map<Integer, ReplicaState> statesAfter, boolean resyncBegins) {}

    /**
     * Checks every entry before anything is written, so a bad batch changes nothing, and returns what its markers
     * do to the disks' states.
     */
    private BatchPlan check(long firstSeq, long lastSeq, List<BlockWrite> entries) throws ApplyException {
        try {
            BatchChecks.check(firstSeq, lastSeq, entries, id -> {
                Replica replica = replicas.replica(id);
                return replica == null ? null : replica.disk();
            });
            Map<Integer, ReplicaState> states = new HashMap<>(replicas.states());
            boolean resyncBegins = false;
            for (BlockWrite e : entries) {
                if (e.kind().isMarker()) {
                    String disk = replicas.replica(e.disk()).disk().name();
                    ReplicaState before = states.get(e.disk());
                    resyncBegins |= e.kind() == RecordKind.SYNC_BEGIN && before == ReplicaState.UP_TO_DATE;
                    states.put(e.disk(), ReplicaStateTransitions.afterMarker(before, e.kind(), disk, e.seq()));
                }
            }
            return new BatchPlan(states, resyncBegins);
        } catch (ApplyException e) {
            metrics.error(e.reason().name());
            throw e;
        }
    }

    /** A set with a promoted disk takes no batch: applying to its other disks would break the group's order. */
    private void requireNoPromotedReplica() throws ApplyException {
        try {
            Map<Integer, ReplicaState> states = replicas.states(); // a fresh copy each call: take it once
            for (DiskInfo disk : replicas.disks()) {
                ReplicaStateTransitions.requireReplicating(states.get(disk.id()), disk.name());
            }
        } catch (ApplyException e) {
            metrics.error(e.reason().name());
            throw e;
        }
    }

    private void write(Replica replica, BlockWrite e) throws IOException {
        switch (e.kind()) {
            case DATA -> {
                if (replicas.provisioning() == Provisioning.THICK) {
                    pwrite(replica, e.payload(), e.payload().readerIndex(), e.length(), e.offset());
                } else {
                    writeThin(replica, e);
                }
            }
            case ZERO, TRIM -> zero(replica, e.offset(), e.length());
            case SYNC_BEGIN, SYNC_END -> throw new IllegalArgumentException("a marker writes nothing");
        }
    }

    /**
     * Splits a DATA write at the disk's block boundaries and punches the all-zero blocks instead of writing
     * them; neighbouring blocks of the same kind become one call.
     */
    private void writeThin(Replica replica, BlockWrite e) throws IOException {
        ByteBuf payload = e.payload();
        int base = payload.readerIndex();
        long blockMask = replica.disk().blockSizeBytes() - 1L;
        int runStart = 0;
        boolean runIsZero = false;
        int pos = 0;
        while (pos < e.length()) {
            long toBoundary = (blockMask + 1) - ((e.offset() + pos) & blockMask);
            int chunk = (int) Math.min(e.length() - pos, toBoundary);
            boolean zero = ZeroBytes.isAllZero(payload, base + pos, chunk);
            if (pos > runStart && zero != runIsZero) {
                writeRun(replica, e, runStart, pos - runStart, runIsZero);
                runStart = pos;
            }
            runIsZero = zero;
            pos += chunk;
        }
        writeRun(replica, e, runStart, e.length() - runStart, runIsZero);
    }

    private void writeRun(Replica replica, BlockWrite e, int start, int length, boolean zero) throws IOException {
        if (zero) {
            zero(replica, e.offset() + start, length);
        } else {
            pwrite(replica, e.payload(), e.payload().readerIndex() + start, length, e.offset() + start);
        }
    }

    private void pwrite(Replica replica, ByteBuf payload, int index, int length, long position) throws IOException {
        long at = position;
        for (ByteBuffer part : payload.nioBuffers(index, length)) {
            int n = part.remaining();
            replica.file().writeFully(part, at);
            at += n;
        }
        metrics.bytesWritten.increment(length);
    }

    /**
     * Makes {@code [offset, offset + length)} read as zeros: a hole on thin replicas; on thick ones the blocks stay
     * allocated (FALLOC_FL_ZERO_RANGE, or written zeros where the file system lacks it).
     */
    private void zero(Replica replica, long offset, long length) throws IOException {
        if (replica.file().isBlockDevice()) {
            // A block device takes fallocate on whole device blocks only (else EINVAL): the edges get written zeros.
            long start = Math.min(offset + length, (offset + DEVICE_BLOCK - 1) & -DEVICE_BLOCK);
            long end = Math.max(start, (offset + length) & -DEVICE_BLOCK);
            writeZeros(replica, offset, start - offset);
            zeroInPlace(replica, start, end - start);
            writeZeros(replica, end, offset + length - end);
        } else {
            zeroInPlace(replica, offset, length);
        }
    }

    /**
     * Zeroes a range without writing it where the storage can: a hole on a thin replica (PUNCH_HOLE zeroes partial
     * blocks at the edges itself, so the exact range is correct), else kept allocated (ZERO_RANGE), else written.
     */
    private void zeroInPlace(Replica replica, long offset, long length) throws IOException {
        if (length == 0) {
            return;
        }
        if (replicas.provisioning() == Provisioning.THIN && supported(() -> replica.file().punchHole(offset, length))) {
            metrics.bytesPunched.increment(length);
        } else if (supported(() -> replica.file().zeroRange(offset, length))) {
            metrics.bytesWritten.increment(length);
        } else {
            writeZeros(replica, offset, length);
        }
    }

    /** A call the storage may not support (EOPNOTSUPP). */
    @FunctionalInterface
    private interface StorageCall {
        void run() throws IOException;
    }

    /** Runs {@code call}: false when the storage does not support it; any other failure is thrown. */
    private static boolean supported(StorageCall call) throws IOException {
        try {
            call.run();
            return true;
        } catch (DiskIOException e) {
            if (!e.isUnsupported()) {
                throw e;
            }
            return false;
        }
    }

    private void writeZeros(Replica replica, long offset, long length) throws IOException {
        long at = offset;
        long end = offset + length;
        while (at < end) {
            ByteBuffer zeros = ZEROS.duplicate();
            zeros.limit((int) Math.min(zeros.capacity(), end - at));
            int n = zeros.remaining();
            replica.file().writeFully(zeros, at);
            at += n;
        }
        metrics.bytesWritten.increment(length);
    }

    private Outcome skip() {
        metrics.batchesSkipped.increment();
        return Outcome.ALREADY_APPLIED;
    }

    private ApplyException refuse(Reason reason, String message) {
        metrics.error(reason.name());
        return new ApplyException(reason, message);
    }
}
