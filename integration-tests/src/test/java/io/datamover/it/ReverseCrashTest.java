package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.applier.Applier;
import io.datamover.applier.FailoverRecord;
import io.datamover.applier.Provisioning;
import io.datamover.applier.ReplicaMetadata;
import io.datamover.applier.ReplicaPromotion;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaSetConfig;
import io.datamover.applier.ReplicaSetException;
import io.datamover.applier.ReplicaState;
import io.datamover.disk.SparseFile;
import io.datamover.gateway.source.ReverseSourceGroup;
import io.datamover.gateway.source.StoppedSourceGroup;
import io.datamover.gateway.source.journal.Journal;
import io.datamover.gateway.source.journal.JournalConfig;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.EndedGeneration;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.WriteRecord;
import io.datamover.tap.bitmap.BitmapIdentity;
import io.datamover.tap.bitmap.DirtyBitmap;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code datamover reverse} at both sites on stopped daemons' directories, crashed (as kill -9 would) at each of its
 * persistence steps ({@code REVERSE_*} crash points): right after the crash the site is fully before the step's
 * commit or fully after it: at the recovery site no group directory a source gateway would open (the seeding is
 * staged), at the original site no stamp, so a target gateway refuses the disks rather than serve a half-made replica
 * set; the original disks, their journal and their tap's bits are never changed. Run again, both sites converge: the
 * recovery site's source directory continues the promoted history after the promoted seq and owes its tap the resync;
 * the original disks are a replica set stamped in a generation of their own, whose written regions name every region
 * the original site wrote after the promoted seq (journal and tap bitmap), so that the reverse resync sets them back.
 * The other way out of a split brain, {@code split-brain resolve --discard recovery}, likewise ({@code SPLIT_BRAIN_*}).
 */
class ReverseCrashTest {
    private static final int KIB = 1024;
    private static final String PAIR = "pair-r";
    private static final DiskInfo A = new DiskInfo(1, "system", 4096 * KIB, 4 * KIB);
    private static final DiskInfo B = new DiskInfo(2, "data", 2048 * KIB, 4 * KIB);
    private static final List<DiskInfo> DISKS = List.of(A, B);
    /** The seq the recovery site promoted. */
    private static final long PROMOTED = 6;
    /** The original site's journal holds two records past it, which the recovery site never applied. */
    private static final long ORIGINAL_JOURNAL = 8;
    private static final Duration DEADLINE = Duration.ofMinutes(1);
    private static final Set<CrashPoint.Point> AT_RECOVERY = EnumSet.of(CrashPoint.Point.REVERSE_JOURNAL_STARTED,
            CrashPoint.Point.REVERSE_TAP_RESYNC_OWED, CrashPoint.Point.REVERSE_HISTORY_SEEDED);

    @TempDir
    Path base;

    private Path recoveryReplicas;
    private Path reverseSource;
    private Path originalSource;
    private Path originalTap;
    private Path originalReplicas;

    @ParameterizedTest
    @EnumSource(value = CrashPoint.Point.class, names = "REVERSE_.*", mode = EnumSource.Mode.MATCH_ALL)
    void aReverseCrashedAtAStepConvergesWhenRunAgain(CrashPoint.Point point) throws Exception {
        GenerationHistory promoted = afterFailover();
        Path recoverySet = recoveryReplicas.resolve("cg-1");
        Path originalSet = originalReplicas.resolve("cg-1");
        Map<String, String> promotedImages = Disks.fingerprints(recoverySet, DISKS);
        Map<String, String> originalDisks = originalDisks();
        List<Long> originalBits = dirtyRegions();
        List<String> atRecovery = List.of("reverse", "--cg", "1", "--promoted-replicas", recoveryReplicas.toString(),
                "--source-data", reverseSource.toString());
        List<String> atOriginal = List.of("reverse", "--cg", "1", "--promoted-seq", Long.toString(PROMOTED),
                "--original-source-data", originalSource.toString(), "--tap-state", originalTap.toString(),
                "--export", A.name() + "=" + base.resolve("original/" + A.name() + ".img"),
                "--export", B.name() + "=" + base.resolve("original/" + B.name() + ".img"),
                "--replica-dir", originalReplicas.toString());
        boolean recovery = AT_RECOVERY.contains(point);

        ReplicationSite.CommandRun crashed = DaemonProcess.command(base, DEADLINE, recovery ? atRecovery : atOriginal,
                FailoverTest.armed(point));
        assertThat(crashed.exitCode()).as(crashed.output()).isEqualTo(CrashPoint.EXIT_STATUS);
        Path staged = reverseSource.resolve(".reverse-cg-1");
        switch (point) {
            case REVERSE_JOURNAL_STARTED -> assertThat(staged.resolve("tap-resync-requested")).doesNotExist();
            case REVERSE_TAP_RESYNC_OWED -> {
                assertThat(staged.resolve("tap-resync-requested")).exists();
                assertThat(staged.resolve("generations")).doesNotExist();
            }
            case REVERSE_HISTORY_SEEDED -> assertThat(staged.resolve("generations")).exists();
            case REVERSE_DISKS_LINKED -> {
                assertThat(Files.isSameFile(originalSet.resolve(A.name() + ".img"),
                        base.resolve("original/" + A.name() + ".img"))).isTrue();
                assertThat(originalSet.resolve("written-regions")).doesNotExist();
            }
            case REVERSE_REGIONS_RECORDED -> assertThat(originalSet.resolve("written-regions")).exists();
            case REVERSE_STAMPED -> assertThat(stamp(originalSet).states()).containsOnly(ReplicaState.UP_TO_DATE);
            default -> throw new AssertionError(point + " is not a reverse step");
        }
        if (recovery) {
            assertThat(reverseSource.resolve("cg-1")).as("no group a source gateway would open").doesNotExist();
        } else if (point != CrashPoint.Point.REVERSE_STAMPED) {
            assertThat(ReplicaSet.readStamp(originalSet)).isEmpty();
            assertThatThrownBy(() -> ReplicaSet.open(originalSet, config()).close())
                    .as("a target gateway refuses the half-made replica set").isInstanceOf(ReplicaSetException.class)
                    .hasMessageContaining("has no replica stamp");
        }
        assertThat(stamp(recoverySet).states()).containsOnly(ReplicaState.PROMOTED);
        assertThat(Disks.fingerprints(recoverySet, DISKS)).isEqualTo(promotedImages);
        assertThat(originalDisks()).as("the original disks are never written").isEqualTo(originalDisks);
        assertThat(dirtyRegions()).isEqualTo(originalBits);
        assertThat(StoppedSourceGroup.read(originalSource, 1).durableSeq()).as("the original journal keeps its records")
                .isEqualTo(ORIGINAL_JOURNAL);

        for (List<String> site : List.of(atRecovery, atOriginal)) {
            ReplicationSite.CommandRun again = DaemonProcess.commandInThisJvm(site);
            assertThat(again.exitCode()).as(again.output()).isZero();
            ReplicationSite.CommandRun rerun = DaemonProcess.commandInThisJvm(site);
            assertThat(rerun.exitCode()).as(rerun.output()).isZero();
            assertThat(rerun.output()).as("a rerun of a finished reverse").contains("already");
        }

        assertThat(staged).doesNotExist();
        StoppedSourceGroup seeded = StoppedSourceGroup.read(reverseSource, 1);
        assertThat(seeded.history().current()).isEqualTo(promoted.current());
        assertThat(seeded.history().earlier().getFirst())
                .isEqualTo(new EndedGeneration(promoted.earlier().getFirst().id(), PROMOTED, true));
        assertThat(seeded.durableSeq()).isEqualTo(PROMOTED);
        assertThat(seeded.tapResyncOwed()).isTrue();

        ReplicaMetadata prepared = stamp(originalSet);
        assertThat(prepared.states()).containsOnly(ReplicaState.UP_TO_DATE);
        assertThat(prepared.appliedSeq()).isEqualTo(ORIGINAL_JOURNAL);
        assertThat(prepared.generations().earlier().getFirst().id()).as("the original site's own generation after its"
                + " source's").isEqualTo(promoted.earlier().getFirst().id());
        for (DiskInfo disk : DISKS) {
            assertThat(Files.isSameFile(originalSet.resolve(disk.name() + ".img"),
                    base.resolve("original/" + disk.name() + ".img"))).isTrue();
        }
        try (ReplicaSet replicas = ReplicaSet.open(originalSet, config())) {
            ResyncRegions written = replicas.writtenAfter(PROMOTED);
            assertThat(written.everything()).isFalse();
            // The journal's records past the promoted seq (A at 1 MiB, B at 1 MiB) and the tap's bits (A's first
            // regions), in whole 1 MiB regions.
            assertThat(written.ranges()).containsExactlyInAnyOrder(new ResyncRegions.Range(A.id(), 0, 2048 * KIB),
                    new ResyncRegions.Range(B.id(), 1024 * KIB, 1024 * KIB));
        }
        assertThat(stamp(recoverySet).states()).containsOnly(ReplicaState.PROMOTED);
        assertThat(Disks.fingerprints(recoverySet, DISKS)).isEqualTo(promotedImages);
        assertThat(originalDisks()).isEqualTo(originalDisks);
    }

    /**
     * {@code datamover split-brain resolve --discard recovery} at the recovery site, crashed at each of its steps: the
     * promoted disks never served as replicas while the failover record is there (a target gateway keeps the group
     * closed), the disks never written; run again, the set is UP_TO_DATE at the promoted seq in the failover's
     * generation, its written regions the recovery tap's, the failover record gone.
     */
    @ParameterizedTest
    @EnumSource(value = CrashPoint.Point.class, names = "SPLIT_BRAIN_.*", mode = EnumSource.Mode.MATCH_ALL)
    void aSplitBrainResolveCrashedAtAStepConvergesWhenRunAgain(CrashPoint.Point point) throws Exception {
        GenerationHistory promoted = afterFailover();
        Path recoverySet = recoveryReplicas.resolve("cg-1");
        Path recoveryTap = Files.createDirectories(base.resolve("recovery/tap-state"));
        BitSet written = new BitSet();
        written.set(20); // the recovery tap's write since the promote: A at 1.25 MiB
        markDirty(recoveryTap, recoverySet, written);
        Map<String, String> promotedImages = Disks.fingerprints(recoverySet, DISKS);
        List<String> resolve = List.of("split-brain", "resolve", "--cg", "1", "--discard", "recovery",
                "--promoted-replicas", recoveryReplicas.toString(), "--tap-state", recoveryTap.toString());

        ReplicationSite.CommandRun crashed = DaemonProcess.command(base, DEADLINE, resolve, FailoverTest.armed(point));
        assertThat(crashed.exitCode()).as(crashed.output()).isEqualTo(CrashPoint.EXIT_STATUS);
        ReplicaState state = point == CrashPoint.Point.SPLIT_BRAIN_REGIONS_RECORDED ? ReplicaState.PROMOTED
                : ReplicaState.UP_TO_DATE;
        assertThat(stamp(recoverySet).states()).containsOnly(state);
        assertThat(recoverySet.resolve("written-regions")).exists();
        if (point == CrashPoint.Point.SPLIT_BRAIN_RECORD_DELETED) {
            assertThat(FailoverRecord.read(recoverySet)).isEmpty();
        } else {
            assertThat(FailoverRecord.read(recoverySet)).as("a target gateway keeps the group closed while it is there")
                    .isPresent();
        }
        assertThat(Disks.fingerprints(recoverySet, DISKS)).isEqualTo(promotedImages);

        ReplicationSite.CommandRun again = DaemonProcess.commandInThisJvm(resolve);
        assertThat(again.exitCode()).as(again.output()).isZero();
        ReplicationSite.CommandRun rerun = DaemonProcess.commandInThisJvm(resolve);
        assertThat(rerun.exitCode()).as(rerun.output()).isZero();
        assertThat(rerun.output()).contains("resolved already");

        ReplicaMetadata resolved = stamp(recoverySet);
        assertThat(resolved.states()).containsOnly(ReplicaState.UP_TO_DATE);
        assertThat(resolved.appliedSeq()).isEqualTo(PROMOTED);
        assertThat(resolved.generations()).isEqualTo(promoted);
        assertThat(FailoverRecord.read(recoverySet)).isEmpty();
        try (ReplicaSet replicas = ReplicaSet.open(recoverySet, config())) {
            assertThat(replicas.writtenAfter(PROMOTED).ranges())
                    .containsExactly(new ResyncRegions.Range(A.id(), 1024 * KIB, 1024 * KIB));
        }
        assertThat(Disks.fingerprints(recoverySet, DISKS)).isEqualTo(promotedImages);
    }

    /**
     * Both sites right after a forced failover at {@link #PROMOTED}, with both sites' daemons stopped: the recovery
     * site's replicas PROMOTED at that seq; the original site's disks holding two more records its journal has and the
     * recovery site never applied, and its tap's bitmaps naming regions it wrote that no journal has. Returns the
     * promoted history.
     */
    private GenerationHistory afterFailover() throws Exception {
        recoveryReplicas = base.resolve("recovery/replicas");
        reverseSource = base.resolve("recovery/reverse-source");
        originalSource = base.resolve("original/source-data");
        originalTap = Files.createDirectories(base.resolve("original/tap-state"));
        originalReplicas = base.resolve("original/replicas");
        Path recoverySet = recoveryReplicas.resolve("cg-1");
        Path scratch = base.resolve("original/scratch");
        List<BlockWrite> records = records(new Random(29));
        GenerationHistory original = GenerationHistory.first(); // the source's history both sites hold
        try {
            for (Path set : List.of(recoverySet, scratch)) {
                try (ReplicaSet replicas = ReplicaSet.open(set, config())) {
                    replicas.adoptGenerations(original);
                    List<BlockWrite> applied = set == scratch ? records : records.subList(0, (int) PROMOTED);
                    new Applier(replicas, new SimpleMeterRegistry()).apply(1, applied.size(), applied);
                }
            }
            for (DiskInfo disk : DISKS) { // the original disks: what its guest wrote, all journaled
                Files.move(scratch.resolve(disk.name() + ".img"), base.resolve("original/" + disk.name() + ".img"));
            }
            ReverseSourceGroup.seedForward(originalSource, PAIR, 1, DISKS, original, 0);
            try (Journal journal = Journal.open(JournalConfig.of(originalSource.resolve("cg-1/journal"), 64L << 20),
                    new SimpleMeterRegistry(), InstantSource.system())) {
                for (BlockWrite r : records) {
                    journal.append(new WriteRecord(1, 0, false, r));
                }
                assertThat(journal.sync()).isEqualTo(ORIGINAL_JOURNAL);
            }
        } finally {
            records.forEach(BlockWrite::release);
        }
        // Writes of the original tap no gateway acknowledged: A's regions 0, 1 and 3 of 64 KiB.
        markDirty(originalTap, base.resolve("original"), BitSet.valueOf(new long[] {0b1011}));
        ReplicaPromotion.Result promoted = ReplicaPromotion.promote(recoverySet, seq -> new FailoverRecord(
                FailoverRecord.Step.RECORDED, GenerationHistory.newGenerationId(), seq, 0, true, -1, -1, -1));
        promoted.record().withStep(FailoverRecord.Step.DONE).write(recoverySet);
        assertThat(promoted.stamp().appliedSeq()).isEqualTo(PROMOTED);
        return promoted.stamp().generations();
    }

    /** A tap's persistent bitmaps in {@code tapState} for the images in {@code images}: {@code regionsOfA} dirty. */
    private static void markDirty(Path tapState, Path images, BitSet regionsOfA) throws IOException {
        for (DiskInfo disk : DISKS) {
            try (SparseFile file = SparseFile.openReadWrite(images.resolve(disk.name() + ".img"));
                    DirtyBitmap bits = DirtyBitmap.open(tapState.resolve(disk.name() + ".dirty"),
                            new BitmapIdentity(PAIR, 1, file.identity()), disk.sizeBytes(), 64 * KIB, pages -> {},
                            () -> disk == A ? regionsOfA : new BitSet())) {
                assertThat(bits.created()).isTrue();
            }
        }
    }

    /** Seqs 1 to {@link #ORIGINAL_JOURNAL}: an initial sync of both disks, then one write per disk past the promote. */
    private static List<BlockWrite> records(Random random) {
        List<BlockWrite> records = new ArrayList<>(List.of(BlockWrite.marker(1, A.id(), RecordKind.SYNC_BEGIN),
                BlockWrite.marker(2, B.id(), RecordKind.SYNC_BEGIN), data(random, 3, A, 0, 256 * KIB),
                data(random, 4, B, 512 * KIB, 128 * KIB), BlockWrite.marker(5, A.id(), RecordKind.SYNC_END),
                BlockWrite.marker(6, B.id(), RecordKind.SYNC_END)));
        records.add(data(random, 7, A, 1024 * KIB + 64 * KIB, 64 * KIB));
        records.add(data(random, 8, B, 1024 * KIB, 4 * KIB));
        return records;
    }

    private static BlockWrite data(Random random, long seq, DiskInfo disk, long offset, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return BlockWrite.data(seq, disk.id(), offset, Unpooled.wrappedBuffer(bytes));
    }

    private static ReplicaSetConfig config() {
        return new ReplicaSetConfig(PAIR, 1, DISKS, Provisioning.THIN);
    }

    private static ReplicaMetadata stamp(Path set) throws IOException {
        return ReplicaSet.readStamp(set).orElseThrow();
    }

    private Map<String, String> originalDisks() throws IOException {
        return Disks.fingerprints(base.resolve("original"), DISKS);
    }

    private List<Long> dirtyRegions() throws IOException {
        List<Long> regions = new ArrayList<>();
        for (DiskInfo disk : DISKS) {
            regions.addAll(FailoverTest.dirtyRegions(originalTap.resolve(disk.name() + ".dirty")));
            regions.add(-1L); // between the disks
        }
        return regions;
    }
}
