package io.datamover.applier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.applier.ApplyException.Reason;
import io.datamover.disk.DirectoryLock;
import io.datamover.disk.Extent;
import io.datamover.disk.SparseFile;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.EndedGeneration;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.RecordKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A resync of an UP_TO_DATE replica keeps the image at the seq before it recoverable: rollback gives back the same
 * bytes and the same holes, after crashes at every step too; a finished resync drops the log; an initial sync keeps
 * none.
 */
class ResyncRollbackTest {
    private static final int KIB = 1024;
    private static final int BLOCK = 4 * KIB;
    private static final int REGION = ReplicaSet.UNDO_REGION_BYTES;
    private static final DiskInfo A = new DiskInfo(1, "system", 2 * 1024 * KIB, BLOCK);
    private static final DiskInfo B = new DiskInfo(2, "data", 1024 * KIB + 12 * KIB, BLOCK); // a short last region
    private static final ReplicaSetConfig CONFIG = new ReplicaSetConfig("pair-a", 3, List.of(A, B), Provisioning.THIN);

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<BlockWrite> toRelease = new ArrayList<>();
    private final Map<Integer, ReferenceReplica> source = new HashMap<>();
    private final Random rnd = new Random(42);
    private ReplicaSet set;
    private Applier applier;
    private long seq;

    /** The replicas' fingerprints at the consistent seq N, before the resync. */
    private Map<String, Snapshot> atN;
    private long n;

    private record Snapshot(String sha256, long allocatedBytes, List<Extent> extents) {}

    @BeforeEach
    void consistentImageAtN() throws Exception {
        source.put(A.id(), new ReferenceReplica((int) A.sizeBytes()));
        source.put(B.id(), new ReferenceReplica((int) B.sizeBytes()));
        reopen();
        // Initial sync of both disks: data here and there, a region only partly written, holes elsewhere.
        apply(marker(A, RecordKind.SYNC_BEGIN), marker(B, RecordKind.SYNC_BEGIN),
                data(A, 0, 2 * REGION), data(A, 3 * REGION + 8 * KIB, 4 * KIB), data(A, 6 * REGION, 20 * KIB),
                data(B, 0, REGION), data(B, B.sizeBytes() - 8 * KIB, 8 * KIB),
                marker(A, RecordKind.SYNC_END), marker(B, RecordKind.SYNC_END));
        // Streaming afterwards.
        apply(data(A, 10 * REGION, 12 * KIB), data(B, 4 * REGION + 4 * KIB, 4 * KIB));
        assertThat(set.states()).containsOnly(Map.entry(1, ReplicaState.UP_TO_DATE),
                Map.entry(2, ReplicaState.UP_TO_DATE));
        n = seq;
        atN = snapshot();
        assertSourceEqualsReplicas();
        assertThat(set.consistentSeq()).hasValue(n);
        assertThat(set.resyncProtected()).isFalse();
    }

    @AfterEach
    void release() throws IOException {
        toRelease.forEach(BlockWrite::release);
        if (set != null) {
            set.close();
        }
    }

    /** The resync of disk A, no SYNC_END: overwrites data, fills holes (a partial region too), zeroes, trims. */
    private List<List<BlockWrite>> resyncOfA() {
        return List.of(
                List.of(marker(A, RecordKind.SYNC_BEGIN), data(A, 0, REGION / 2), zero(A, REGION, REGION),
                        data(A, 3 * REGION, REGION), data(A, 5 * REGION - 4 * KIB, 12 * KIB)),
                List.of(trim(A, 6 * REGION, REGION), data(A, 7 * REGION + 100, 3000),
                        data(A, 10 * REGION + 4 * KIB, 2 * REGION), zero(A, 0, 8 * KIB)),
                List.of(data(A, 20 * REGION, 3 * REGION), data(A, 3 * REGION + 8 * KIB, 4 * KIB)));
    }

    @Test
    void rollbackMidResyncGivesBackTheImageAtNWithItsHoles() throws Exception {
        resyncOfA().forEach(this::apply);
        assertThat(set.states()).containsEntry(A.id(), ReplicaState.INCONSISTENT)
                .containsEntry(B.id(), ReplicaState.UP_TO_DATE);
        assertThat(set.consistentSeq()).hasValue(n);
        assertThat(set.resyncProtected()).isTrue();
        assertThat(set.undoLogBytes()).isGreaterThan(0);
        assertThat(snapshot().get(A.name())).isNotEqualTo(atN.get(A.name()));
        assertSourceEqualsReplicas();
        assertThat(registry.counter("datamover.applier.undo.entries", "cg", "3").count()).isGreaterThan(0);

        ConsistentImageRollback.Result result = rollbackClosed();

        assertThat(result.consistentSeq()).isEqualTo(n);
        assertThat(result.appliedSeqBefore()).isEqualTo(seq);
        assertRolledBackToN();
        assertThatThrownBy(() -> ConsistentImageRollback.rollback(dir)).isInstanceOf(RollbackRefusedException.class)
                .hasMessageContaining("the replica is consistent already");
    }

    @Test
    void rollbackIsRefusedWhileTheSetIsOpenAndChangesNothing() throws Exception {
        resyncOfA().forEach(this::apply);
        Map<String, Snapshot> midResync = snapshot();

        assertThatThrownBy(() -> ConsistentImageRollback.rollback(dir)).isInstanceOf(RollbackRefusedException.class)
                .hasMessageContaining("in use");
        assertThatThrownBy(() -> ReplicaSet.open(dir, CONFIG)).isInstanceOf(ReplicaSetException.class)
                .hasMessageContaining("in use");

        assertThat(snapshot()).isEqualTo(midResync);
        assertThat(set.resyncProtected()).isTrue();
        assertThat(otherProcessCanLock(dir.resolve(DirectoryLock.FILE_NAME)))
                .as("the refusals in this JVM left the OS lock held").isFalse();
        assertThat(rollbackClosed().consistentSeq()).isEqualTo(n); // once closed, the lock is free
        assertRolledBackToN();
    }

    @Test
    void aFinishedResyncDropsTheLogAndTheReplicaEqualsTheSource() throws Exception {
        resyncOfA().forEach(this::apply);
        apply(data(A, 30 * REGION, REGION), marker(A, RecordKind.SYNC_END));

        assertThat(set.states()).containsOnly(Map.entry(1, ReplicaState.UP_TO_DATE),
                Map.entry(2, ReplicaState.UP_TO_DATE));
        assertThat(UndoLog.path(dir)).doesNotExist();
        assertThat(set.resyncProtected()).isFalse();
        assertThat(set.undoLogBytes()).isZero();
        assertThat(set.consistentSeq()).hasValue(seq);
        assertSourceEqualsReplicas();
        set.close();
        set = null;
        assertThatThrownBy(() -> ConsistentImageRollback.rollback(dir)).isInstanceOf(RollbackRefusedException.class)
                .hasMessageContaining("consistent already");
    }

    @Test
    void rollbackUndoesTheWritesOfEveryDiskOfTheGroupNotOnlyTheResyncedOne() throws Exception {
        List<List<BlockWrite>> batches = resyncOfA();
        apply(batches.get(0));
        apply(data(B, 0, 4 * KIB), zero(B, 4 * REGION, REGION), data(B, 8 * REGION, 2 * REGION));
        apply(batches.get(1));
        apply(data(B, B.sizeBytes() - 4 * KIB, 4 * KIB), data(A, 31 * REGION, 4 * KIB));
        assertThat(set.states()).containsEntry(B.id(), ReplicaState.UP_TO_DATE);
        assertThat(snapshot().get(B.name())).isNotEqualTo(atN.get(B.name()));

        rollbackClosed();

        assertRolledBackToN();
    }

    /**
     * A discard (reverse replication, {@code resync --discard replica}) of what the replicas hold after an earlier seq,
     * then part of the resync that sets both disks back: the image before the discard, in its own history, is
     * recoverable (the original disks of a reverse resync are INCONSISTENT meanwhile, their image kept).
     */
    @Test
    void aDiscardKeepsTheImageBeforeItAndARollbackGivesItBackInItsHistory() throws Exception {
        GenerationHistory image = discardBackTo(n - 3);

        assertThat(set.states()).containsOnly(Map.entry(1, ReplicaState.INCONSISTENT),
                Map.entry(2, ReplicaState.INCONSISTENT));
        assertThat(set.resyncProtected()).isTrue();
        assertThat(set.consistentSeq()).hasValue(n);
        apply(marker(B, RecordKind.SYNC_BEGIN), data(B, 0, 2 * REGION), zero(B, 4 * REGION, REGION));
        resyncOfA().forEach(this::apply);
        assertThat(snapshot()).isNotEqualTo(atN);

        ConsistentImageRollback.Result result = rollbackClosed();

        assertThat(result.consistentSeq()).isEqualTo(n);
        assertRolledBackToN();
        assertThat(ReplicaMetadataFile.read(dir).orElseThrow().generations()).isEqualTo(image);
        assertThat(dir.resolve(DiscardReport.FILE_NAME)).doesNotExist();
    }

    @Test
    void theResyncAfterADiscardDropsItsLogWhenEveryDiskIsUpToDateAgain() throws Exception {
        discardBackTo(n - 3);

        apply(marker(A, RecordKind.SYNC_BEGIN), marker(B, RecordKind.SYNC_BEGIN), data(A, 0, REGION),
                marker(A, RecordKind.SYNC_END));
        assertThat(set.resyncProtected()).as("disk B is not resynced yet").isTrue();
        apply(data(B, 0, REGION), marker(B, RecordKind.SYNC_END));

        assertThat(set.states()).containsOnly(Map.entry(1, ReplicaState.UP_TO_DATE),
                Map.entry(2, ReplicaState.UP_TO_DATE));
        assertThat(set.resyncProtected()).isFalse();
        assertThat(UndoLog.path(dir)).doesNotExist();
    }

    @Test
    void aDiscardCrashedBeforeItsStampLeavesTheImageAndNoLog() throws Exception {
        ReplicaMetadata before = ReplicaMetadataFile.read(dir).orElseThrow();
        GenerationHistory image = discardBackTo(n - 3);
        before = before.withGenerations(image);
        set.close();
        set = null;
        ReplicaMetadataFile.write(dir, before); // the log was durable, the stamp never written

        reopen();

        assertThat(set.resyncProtected()).isFalse();
        assertThat(UndoLog.path(dir)).doesNotExist();
        assertThat(set.consistentSeq()).hasValue(n);
        assertThat(set.generations()).isEqualTo(image);
    }

    /**
     * The image at N in a history of its own, then a source's discard of what the replicas hold after {@code back}
     * (a generation after it that discards the replica); the next batch follows {@code back}. Returns that history.
     */
    private GenerationHistory discardBackTo(long back) throws IOException {
        GenerationHistory image = GenerationHistory.first();
        set.adoptGenerations(image);
        set.discardAfter(back, image.next(back, true), true);
        seq = back;
        return image;
    }

    enum CrashPoint {
        /** The resync's first batch: its log and before-images are durable, nothing written, the stamp at N. */
        FIRST_BATCH_AFTER_UNDO_DURABLE,
        /** A later batch: before-images durable, its replica writes not made. */
        AFTER_UNDO_DURABLE,
        /** A later batch: written and synced, its applied seq not recorded. */
        AFTER_REPLICA_WRITE,
        /** A later batch: its last before-image torn (a crash mid-append), nothing written. */
        TORN_UNDO_ENTRY
    }

    @ParameterizedTest
    @EnumSource(CrashPoint.class)
    void aCrashAnywhereLeavesTheImageAtNRecoverableAndReplayIsIdempotent(CrashPoint point) throws Exception {
        List<List<BlockWrite>> batches = resyncOfA();
        int crashed = point == CrashPoint.FIRST_BATCH_AFTER_UNDO_DURABLE ? 0 : 1;
        for (int i = 0; i < crashed; i++) {
            apply(batches.get(i));
        }
        long first = seq + 1;
        List<BlockWrite> batch = numbered(batches.get(crashed), first);
        long last = seq + batch.size();
        if (point == CrashPoint.AFTER_REPLICA_WRITE) {
            ReplicaMetadata before = ReplicaMetadataFile.read(dir).orElseThrow();
            applier.apply(first, last, batch);
            ReplicaMetadataFile.write(dir, before);
        } else {
            long logBefore = set.undoLogBytes();
            applier.afterUndoDurable = () -> {
                throw new SimulatedCrash();
            };
            assertThatThrownBy(() -> applier.apply(first, last, batch)).isInstanceOf(SimulatedCrash.class);
            assertThat(set.undoLogBytes()).isGreaterThan(logBefore);
            if (point == CrashPoint.TORN_UNDO_ENTRY) {
                try (FileChannel log = FileChannel.open(UndoLog.path(dir), StandardOpenOption.WRITE)) {
                    log.truncate(log.size() - 100);
                }
            }
        }
        reopen();
        assertThat(set.appliedSeq()).isEqualTo(first - 1);
        assertThat(set.consistentSeq()).hasValue(n);
        assertThat(set.resyncProtected()).isTrue();

        // Replay as the gateway does from its spool: the crashed batch again, then the rest.
        applier.apply(first, last, batch);
        seq = last;
        batch.forEach(this::track);
        for (int i = crashed + 1; i < batches.size(); i++) {
            apply(batches.get(i));
        }
        assertSourceEqualsReplicas();

        rollbackClosed();
        assertRolledBackToN();
    }

    @Test
    void failoverMidResyncRollsBackThenPromotesInANewGenerationOnce() throws Exception {
        GenerationHistory source = GenerationHistory.first();
        set.adoptGenerations(source);
        resyncOfA().forEach(this::apply);
        set.close();
        set = null;
        long chosen = GenerationHistory.newGenerationId();

        ReplicaPromotion.Result first = ReplicaPromotion.promote(dir, consistent -> new FailoverRecord(
                FailoverRecord.Step.RECORDED, chosen, consistent, 1_000, true, seq + 5, 900, -1));

        assertThat(first.rolledBack().consistentSeq()).isEqualTo(n);
        assertThat(first.record().consistentSeq()).isEqualTo(n);
        assertThat(snapshot()).isEqualTo(atN);
        ReplicaMetadata stamp = ReplicaMetadataFile.read(dir).orElseThrow();
        assertThat(stamp.states()).containsOnly(ReplicaState.PROMOTED);
        assertThat(stamp.appliedSeq()).isEqualTo(n);
        assertThat(stamp.generations().current()).isEqualTo(chosen);
        assertThat(stamp.generations().earlier()).containsExactly(new EndedGeneration(source.current(), n, false));
        assertThat(FailoverRecord.read(dir)).contains(first.record());

        // A rerun decides nothing again and changes nothing.
        ReplicaPromotion.Result again = ReplicaPromotion.promote(dir, consistent -> {
            throw new AssertionError("a rerun must keep the recorded failover");
        });
        assertThat(again.stamp()).isEqualTo(stamp);
        assertThat(again.rolledBack()).isNull();
        assertThat(snapshot()).isEqualTo(atN);
        assertThatThrownBy(() -> ConsistentImageRollback.rollback(dir)).isInstanceOf(RollbackRefusedException.class)
                .hasMessageContaining("PROMOTED");
        reopen();
        assertThatThrownBy(() -> applier.apply(seq + 1, seq + 1, List.of(data(seq + 1, A, 0, BLOCK))))
                .isInstanceOf(ApplyException.class).hasMessageContaining("PROMOTED");
        assertThat(snapshot()).isEqualTo(atN);
    }

    @Test
    void aFailoverInterruptedAfterItsRecordContinuesWithTheRecordedGeneration() throws Exception {
        resyncOfA().forEach(this::apply);
        set.close();
        set = null;
        FailoverRecord recorded = new FailoverRecord(FailoverRecord.Step.RECORDED, 0x1234_5678_9abcL, n, 1_000, true,
                -1, -1, -1);
        recorded.write(dir); // what step 1 left before a crash

        ReplicaPromotion.Result result = ReplicaPromotion.promote(dir, consistent -> {
            throw new AssertionError("the recorded failover is continued, not decided again");
        });

        assertThat(result.stamp().generations().current()).isEqualTo(0x1234_5678_9abcL);
        assertThat(result.stamp().states()).containsOnly(ReplicaState.PROMOTED);
        assertThat(snapshot()).isEqualTo(atN);
    }

    @Test
    void aFailoverWithoutAConsistentImageIsRefusedWithNothingChanged() throws Exception {
        Path fresh = midInitialSync();
        ReplicaMetadata before = ReplicaMetadataFile.read(fresh).orElseThrow();

        assertThatThrownBy(() -> ReplicaPromotion.promote(fresh, consistent -> {
            throw new AssertionError("nothing to record");
        })).isInstanceOf(RollbackRefusedException.class).hasMessageContaining("no consistent image");

        assertThat(ReplicaMetadataFile.read(fresh)).contains(before);
        assertThat(fresh.resolve(FailoverRecord.FILE_NAME)).doesNotExist();
    }

    @Test
    void anInitialSyncKeepsNoUndoLogAndHasNothingToRollBackTo() throws Exception {
        Path fresh = midInitialSync();
        try (ReplicaSet initial = ReplicaSet.open(fresh, CONFIG)) {
            assertThat(UndoLog.path(fresh)).doesNotExist();
            assertThat(initial.resyncProtected()).isFalse();
            assertThat(initial.consistentSeq()).isEmpty();
        }
        assertThatThrownBy(() -> ConsistentImageRollback.rollback(fresh)).isInstanceOf(RollbackRefusedException.class)
                .hasMessageContaining("initial sync: no consistent image exists");
    }

    @Test
    void withContinueAFullUndoLogIsDroppedAndTheResyncEndsWithoutAConsistentImage() throws Exception {
        applier = new Applier(set, registry, java.util.OptionalLong.of(2 * REGION), UndoFullPolicy.CONTINUE);
        resyncOfA().forEach(this::apply);
        assertSourceEqualsReplicas();
        assertThat(UndoLog.path(dir)).doesNotExist();
        assertThat(set.consistentSeq()).isEmpty();
        assertThat(registry.counter("datamover.applier.undo.abandoned", "cg", Integer.toString(set.cgId())).count())
                .isOne();
        assertThat(registry.counter("datamover.applier.undo.full", "cg", Integer.toString(set.cgId())).count())
                .isZero();
    }

    @Test
    void aBatchThatWouldPassTheUndoBoundIsRefusedWithNothingWritten() throws Exception {
        applier = new Applier(set, registry, 2 * REGION);
        List<List<BlockWrite>> batches = resyncOfA();
        List<BlockWrite> first = numbered(batches.get(0), seq + 1);
        assertThatThrownBy(() -> applier.apply(seq + 1, seq + first.size(), first))
                .isInstanceOfSatisfying(ApplyException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNDO_LOG_FULL))
                .hasMessageContaining("raise the bound");
        assertThat(set.appliedSeq()).isEqualTo(n);
        assertThat(snapshot()).isEqualTo(atN);
        assertThat(set.consistentSeq()).hasValue(n);

        applier = new Applier(set, registry); // the operator raised the bound
        batches.forEach(this::apply);
        assertSourceEqualsReplicas();
        rollbackClosed();
        assertRolledBackToN();
    }

    private static final class SimulatedCrash extends RuntimeException {}

    /** Whether another process can take the lock now (POSIX record locks, as the JDK's file locks are). */
    /** Another replica set, in an initial sync that has not ended (no consistent image yet); closes this one. */
    private Path midInitialSync() throws IOException, ApplyException {
        set.close();
        set = null;
        Path fresh = dir.resolve("fresh");
        try (ReplicaSet initial = ReplicaSet.open(fresh, CONFIG)) {
            new Applier(initial, registry).apply(1, 3, List.of(marker(1, A, RecordKind.SYNC_BEGIN),
                    data(2, A, 0, REGION), zero(3, A, 0, 4 * KIB)));
        }
        return fresh;
    }

    private static boolean otherProcessCanLock(Path lockFile) throws IOException, InterruptedException {
        Process probe = new ProcessBuilder("python3", "-c", "import fcntl, sys\n"
                + "f = open(sys.argv[1], 'w')\n"
                + "try:\n    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n    sys.exit(3)\n",
                lockFile.toString()).redirectErrorStream(true).start();
        int status = probe.waitFor();
        assertThat(status).as("lock probe: %s", new String(probe.getInputStream().readAllBytes())).isIn(0, 3);
        return status == 0;
    }

    private ConsistentImageRollback.Result rollbackClosed() throws IOException {
        set.close();
        set = null;
        return ConsistentImageRollback.rollback(dir);
    }

    private void assertRolledBackToN() throws IOException {
        assertThat(snapshot()).isEqualTo(atN);
        assertThat(UndoLog.path(dir)).doesNotExist();
        ReplicaMetadata stamp = ReplicaMetadataFile.read(dir).orElseThrow();
        assertThat(stamp.appliedSeq()).isEqualTo(n);
        assertThat(stamp.states()).containsOnly(ReplicaState.UP_TO_DATE);
        try (ReplicaSet reopened = ReplicaSet.open(dir, CONFIG)) {
            assertThat(reopened.consistentSeq()).hasValue(n);
            assertThat(reopened.resyncProtected()).isFalse();
        }
    }

    private void reopen() throws IOException {
        if (set != null) {
            set.close();
        }
        set = ReplicaSet.open(dir, CONFIG);
        applier = new Applier(set, registry);
    }

    private Map<String, Snapshot> snapshot() throws IOException {
        Map<String, Snapshot> s = new HashMap<>();
        for (DiskInfo d : List.of(A, B)) {
            Path image = ReplicaSet.imagePath(dir, d);
            try (SparseFile f = SparseFile.openReadOnly(image)) {
                List<Extent> extents = new ArrayList<>();
                f.dataExtents(0, d.sizeBytes()).forEach(extents::add);
                s.put(d.name(), new Snapshot(TestImages.sha256(image), f.allocatedBytes(), extents));
            }
        }
        return s;
    }

    private void assertSourceEqualsReplicas() throws IOException {
        for (DiskInfo d : List.of(A, B)) {
            assertThat(TestImages.sha256(ReplicaSet.imagePath(dir, d)))
                    .as(d.name()).isEqualTo(TestImages.sha256(source.get(d.id()).bytes));
        }
    }

    private void apply(BlockWrite... entries) {
        apply(List.of(entries));
    }

    /** {@code entries} (templates, any seq) numbered from {@code firstSeq} on. */
    private List<BlockWrite> numbered(List<BlockWrite> entries, long firstSeq) {
        List<BlockWrite> numbered = new ArrayList<>();
        for (BlockWrite e : entries) {
            numbered.add(keep(renumber(e, firstSeq + numbered.size())));
        }
        return numbered;
    }

    /** Applies {@code entries} (templates, any seq) as the next batch, renumbered, and to the source reference. */
    private void apply(List<BlockWrite> entries) {
        List<BlockWrite> numbered = numbered(entries, seq + 1);
        try {
            applier.apply(seq + 1, seq + numbered.size(), numbered);
        } catch (ApplyException | IOException e) {
            throw new AssertionError(e);
        }
        seq += numbered.size();
        numbered.forEach(this::track);
    }

    private void track(BlockWrite e) {
        if (!e.kind().isMarker()) {
            source.get(e.disk()).apply(e);
        }
    }

    private BlockWrite renumber(BlockWrite e, long newSeq) {
        return switch (e.kind()) {
            case DATA -> BlockWrite.data(newSeq, e.disk(), e.offset(), e.payload().retainedDuplicate());
            case ZERO, TRIM -> BlockWrite.range(newSeq, e.disk(), e.offset(), e.length(), e.kind());
            case SYNC_BEGIN, SYNC_END -> BlockWrite.marker(newSeq, e.disk(), e.kind());
        };
    }

    private BlockWrite keep(BlockWrite e) {
        toRelease.add(e);
        return e;
    }

    private BlockWrite data(DiskInfo disk, long offset, int length) {
        return data(1, disk, offset, length);
    }

    private BlockWrite data(long s, DiskInfo disk, long offset, int length) {
        byte[] bytes = new byte[length];
        rnd.nextBytes(bytes);
        return keep(BlockWrite.data(s, disk.id(), offset, Unpooled.wrappedBuffer(bytes)));
    }

    private BlockWrite zero(DiskInfo disk, long offset, int length) {
        return zero(1, disk, offset, length);
    }

    private BlockWrite zero(long s, DiskInfo disk, long offset, int length) {
        return keep(BlockWrite.range(s, disk.id(), offset, length, RecordKind.ZERO));
    }

    private BlockWrite trim(DiskInfo disk, long offset, int length) {
        return keep(BlockWrite.range(1, disk.id(), offset, length, RecordKind.TRIM));
    }

    private BlockWrite marker(DiskInfo disk, RecordKind kind) {
        return marker(1, disk, kind);
    }

    private BlockWrite marker(long s, DiskInfo disk, RecordKind kind) {
        return keep(BlockWrite.marker(s, disk.id(), kind));
    }
}
