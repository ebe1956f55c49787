package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.applier.Applier;
import io.datamover.applier.FailbackRecord;
import io.datamover.applier.FailoverRecord;
import io.datamover.applier.Provisioning;
import io.datamover.applier.ReplicaMetadata;
import io.datamover.applier.ReplicaPromotion;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaSetConfig;
import io.datamover.applier.ReplicaState;
import io.datamover.disk.SparseFile;
import io.datamover.gateway.source.ReverseSourceGroup;
import io.datamover.gateway.source.StoppedSourceGroup;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.RecordKind;
import io.datamover.tap.bitmap.BitmapIdentity;
import io.datamover.tap.bitmap.DirtyBitmap;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code datamover failback} at both sites on stopped daemons' directories, crashed (as kill -9 would) at each of its
 * persistence steps ({@code FAILBACK_*} crash points; FAILBACK_RECORDED at both sites): right after the crash the site
 * is fully before or fully after the step (the record says how far it got, so a target gateway keeps the group
 * closed), and run again both sites converge: the recovery site's replicas UP_TO_DATE at the failback seq in the
 * shared history, its tap retired; the original site's new source directory continuing that history after that seq,
 * its tap's bitmaps clean, its replica set retired with the disks unchanged (SHA-256).
 */
class FailbackCrashTest {
    private static final int KIB = 1024;
    private static final String PAIR = "pair-b";
    private static final DiskInfo A = new DiskInfo(1, "system", 4096 * KIB, 4 * KIB);
    private static final DiskInfo B = new DiskInfo(2, "data", 2048 * KIB, 4 * KIB);
    private static final long SEQ = 6;
    private static final Duration DEADLINE = Duration.ofMinutes(1);
    private static final Set<CrashPoint.Point> AT_ORIGINAL = EnumSet.of(CrashPoint.Point.FAILBACK_SOURCE_SEEDED,
            CrashPoint.Point.FAILBACK_TAP_CLEARED, CrashPoint.Point.FAILBACK_REPLICAS_RETIRED);

    @TempDir
    Path base;

    @ParameterizedTest
    @EnumSource(value = CrashPoint.Point.class, names = "FAILBACK_.*", mode = EnumSource.Mode.MATCH_ALL)
    void aFailbackCrashedAtAStepConvergesWhenRunAgain(CrashPoint.Point point) throws Exception {
        crashAndConverge(point, AT_ORIGINAL.contains(point));
    }

    @Test
    void aFailbackCrashedOnceRecordedAtTheOriginalSiteConvergesWhenRunAgain() throws Exception {
        crashAndConverge(CrashPoint.Point.FAILBACK_RECORDED, true);
    }

    /** Crashes the failback at {@code point} at one site (the recovery site's done first for the original's). */
    private void crashAndConverge(CrashPoint.Point point, boolean original) throws Exception {
        Path recoverySet = base.resolve("recovery/replicas/cg-1");
        Path originalSet = base.resolve("original/replicas/cg-1");
        Path recoveryTap = Files.createDirectories(base.resolve("recovery/tap-state"));
        Path originalTap = Files.createDirectories(base.resolve("original/tap-state"));
        Path reverseSource = base.resolve("recovery/source-data");
        Path forwardSource = base.resolve("original/source-data-after-failback");
        GenerationHistory shared = afterReverse(recoverySet, originalSet, reverseSource, originalTap);
        Map<String, String> recoveryImages = images(recoverySet);
        Map<String, String> originalDisks = disks();
        List<String> atRecovery = List.of("failback", "--cg", "1", "--promoted-replicas",
                base.resolve("recovery/replicas").toString(), "--reverse-source-data", reverseSource.toString(),
                "--recovery-tap-state", recoveryTap.toString());
        List<String> atOriginal = List.of("failback", "--cg", "1", "--seq", Long.toString(SEQ), "--replica-dir",
                base.resolve("original/replicas").toString(), "--new-source-data", forwardSource.toString(),
                "--tap-state", originalTap.toString());

        if (original) {
            assertThat(failback(atRecovery).exitCode()).isZero();
        }
        ReplicationSite.CommandRun crashed = DaemonProcess.command(base, DEADLINE, original ? atOriginal : atRecovery,
                FailoverTest.armed(point));
        assertThat(crashed.exitCode()).as(crashed.output()).isEqualTo(CrashPoint.EXIT_STATUS);
        FailbackRecord record = FailbackRecord.read(original ? originalSet : recoverySet).orElseThrow();
        assertThat(record.done()).isFalse();
        switch (point) {
            case FAILBACK_RECORDED -> {
                assertThat(record.stepsDone()).isEqualTo(1);
                if (original) {
                    assertThat(stamp(originalSet).states()).containsOnly(ReplicaState.UP_TO_DATE);
                    assertThat(forwardSource).doesNotExist();
                } else {
                    assertThat(stamp(recoverySet).states()).containsOnly(ReplicaState.PROMOTED);
                    assertThat(recoveryTap.resolve("failed-back")).doesNotExist();
                }
            }
            case FAILBACK_TAP_FENCED -> {
                assertThat(recoveryTap.resolve("failed-back")).exists();
                assertThat(stamp(recoverySet).states()).containsOnly(ReplicaState.PROMOTED);
            }
            case FAILBACK_DEMOTED -> {
                assertThat(stamp(recoverySet).states()).containsOnly(ReplicaState.UP_TO_DATE);
                assertThat(recoverySet.resolve(FailoverRecord.FILE_NAME)).exists();
            }
            case FAILBACK_FAILOVER_CLEARED -> {
                assertThat(recoverySet.resolve(FailoverRecord.FILE_NAME)).doesNotExist();
                assertThat(record.stepsDone()).isEqualTo(3);
            }
            case FAILBACK_SOURCE_SEEDED -> {
                assertThat(StoppedSourceGroup.read(forwardSource, 1).history()).isEqualTo(shared);
                assertThat(dirtyRegions(originalTap)).isPositive();
            }
            case FAILBACK_TAP_CLEARED -> {
                assertThat(dirtyRegions(originalTap)).isZero();
                assertThat(ReplicaSet.readStamp(originalSet)).isPresent();
            }
            case FAILBACK_REPLICAS_RETIRED -> {
                assertThat(ReplicaSet.readStamp(originalSet)).isEmpty();
                assertThat(record.stepsDone()).isEqualTo(3);
            }
            default -> throw new AssertionError(point + " is not a failback step");
        }
        assertThat(disks()).as("the original disks are never written").isEqualTo(originalDisks);

        for (List<String> site : List.of(atRecovery, atOriginal)) {
            ReplicationSite.CommandRun again = failback(site);
            assertThat(again.exitCode()).as(again.output()).isZero();
            assertThat(failback(site).output()).as("a rerun of a finished failback").contains("failed back at");
        }
        ReplicaMetadata demoted = stamp(recoverySet);
        assertThat(demoted.states()).containsOnly(ReplicaState.UP_TO_DATE);
        assertThat(demoted.appliedSeq()).isEqualTo(SEQ);
        assertThat(demoted.generations()).isEqualTo(shared);
        assertThat(recoverySet.resolve(FailoverRecord.FILE_NAME)).doesNotExist();
        assertThat(images(recoverySet)).isEqualTo(recoveryImages);
        assertThat(Files.readString(recoveryTap.resolve("failed-back"))).contains("failed back at seq " + SEQ);
        StoppedSourceGroup forward = StoppedSourceGroup.read(forwardSource, 1);
        assertThat(forward.history()).isEqualTo(shared);
        assertThat(forward.durableSeq()).isEqualTo(SEQ);
        assertThat(forward.releasedSeq()).isEqualTo(SEQ);
        assertThat(forward.tapResyncOwed()).isFalse();
        assertThat(dirtyRegions(originalTap)).isZero();
        assertThat(ReplicaSet.readStamp(originalSet)).isEmpty();
        assertThat(originalSet.resolve(A.name() + ".img")).doesNotExist();
        assertThat(disks()).isEqualTo(originalDisks);
    }

    /**
     * The two sites after reverse replication converged at {@link #SEQ}: the recovery site's replicas PROMOTED (the
     * failover done), its source directory continuing their history, the tap owing nothing and clean; the original
     * site's disks (linked in as its replica set) UP_TO_DATE at that seq in the same history, its tap's bitmaps still
     * naming the writes it made before the failover. Returns that history.
     */
    private GenerationHistory afterReverse(Path recoverySet, Path originalSet, Path reverseSource, Path originalTap)
            throws Exception {
        ReplicaSetConfig config = new ReplicaSetConfig(PAIR, 1, List.of(A, B), Provisioning.THIN);
        for (Path set : List.of(recoverySet, originalSet)) {
            List<BlockWrite> batch = batch(new Random(23)); // the same data at both sites
            try (ReplicaSet replicas = ReplicaSet.open(set, config)) {
                replicas.adoptGenerations(GenerationHistory.first());
                new Applier(replicas, new SimpleMeterRegistry()).apply(1, SEQ, batch);
            } finally {
                batch.forEach(BlockWrite::release);
            }
        }
        ReplicaPromotion.Result promoted = ReplicaPromotion.promote(recoverySet, seq -> new FailoverRecord(
                FailoverRecord.Step.RECORDED, GenerationHistory.newGenerationId(), seq, 0, true, -1, -1, -1));
        promoted.record().withStep(FailoverRecord.Step.DONE).write(recoverySet);
        ReverseSourceGroup.seed(reverseSource, PAIR, 1, List.of(A, B), promoted.stamp().generations(), SEQ);
        Files.delete(reverseSource.resolve("cg-1/tap-resync-requested")); // the reverse resync is done
        GenerationHistory shared = StoppedSourceGroup.read(reverseSource, 1).history();
        try (ReplicaSet replicas = ReplicaSet.open(originalSet, config)) {
            replicas.adoptGenerations(shared);
        }
        for (DiskInfo disk : List.of(A, B)) {
            Path image = originalSet.resolve(disk.name() + ".img");
            Files.createLink(base.resolve("original/" + disk.name() + ".img"), image);
            try (SparseFile file = SparseFile.openReadWrite(image);
                    DirtyBitmap bits = DirtyBitmap.open(originalTap.resolve(disk.name() + ".dirty"),
                            new BitmapIdentity(PAIR, 1, file.identity()), disk.sizeBytes(), 64 * KIB, pages -> {},
                            () -> BitSet.valueOf(new long[] {0b1011}))) {
                assertThat(bits.created()).isTrue();
            }
        }
        return shared;
    }

    private static List<BlockWrite> batch(Random random) {
        return List.of(BlockWrite.marker(1, A.id(), RecordKind.SYNC_BEGIN),
                BlockWrite.marker(2, B.id(), RecordKind.SYNC_BEGIN), data(random, 3, A, 0, 256 * KIB),
                data(random, 4, B, 512 * KIB, 128 * KIB), BlockWrite.marker(5, A.id(), RecordKind.SYNC_END),
                BlockWrite.marker(6, B.id(), RecordKind.SYNC_END));
    }

    private static BlockWrite data(Random random, long seq, DiskInfo disk, long offset, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return BlockWrite.data(seq, disk.id(), offset, Unpooled.wrappedBuffer(bytes));
    }

    private static ReplicaMetadata stamp(Path set) throws IOException {
        return ReplicaSet.readStamp(set).orElseThrow();
    }

    private static long dirtyRegions(Path tapState) throws IOException {
        long dirty = 0;
        for (DiskInfo disk : List.of(A, B)) {
            dirty += FailoverTest.dirtyRegions(tapState.resolve(disk.name() + ".dirty")).size();
        }
        return dirty;
    }

    private Map<String, String> disks() throws IOException {
        return images(base.resolve("original"));
    }

    private static Map<String, String> images(Path directory) throws IOException {
        return Disks.fingerprints(directory, List.of(A, B));
    }

    private static ReplicationSite.CommandRun failback(List<String> args) {
        return DaemonProcess.commandInThisJvm(args);
    }
}
