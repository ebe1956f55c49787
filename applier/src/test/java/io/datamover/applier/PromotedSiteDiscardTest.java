package io.datamover.applier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.disk.DirectoryLock;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.ResyncRegions.Range;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A split brain resolved for the original site, at the recovery site: the promoted set becomes a replica set again at
 * the promoted seq, in the failover's generation, knowing which regions were written into it since the promote; a
 * rerun after a crash after any step completes it; an unfinished failover, a set in use, are refused unchanged.
 */
class PromotedSiteDiscardTest {
    private static final long MIB = 1 << 20;
    private static final List<DiskInfo> DISKS = List.of(new DiskInfo(0, "sys", 16 * MIB, 4096),
            new DiskInfo(1, "data", 8 * MIB, 4096));
    private static final long PROMOTED = 40;
    private static final List<Range> WRITTEN = List.of(new Range(0, 3 * MIB, 64 * 1024), new Range(1, 0, 2 * MIB));

    @TempDir
    Path dir;
    private Path set;
    private ReplicaMetadata promoted;

    @BeforeEach
    void promotedSet() throws IOException {
        set = Files.createDirectories(dir.resolve("replicas/cg-1"));
        for (DiskInfo disk : DISKS) {
            try (RandomAccessFile f = new RandomAccessFile(ReplicaSet.imagePath(set, disk).toFile(), "rw")) {
                f.setLength(disk.sizeBytes());
            }
        }
        GenerationHistory failedOver = GenerationHistory.first().next(PROMOTED, false);
        promoted = new ReplicaMetadata("pair-a", 1, DISKS, Collections.nCopies(2, ReplicaState.PROMOTED), PROMOTED,
                failedOver);
        ReplicaMetadataFile.write(set, promoted);
        record(FailoverRecord.Step.DONE);
    }

    private void record(FailoverRecord.Step step) throws IOException {
        new FailoverRecord(step, promoted.generations().current(), PROMOTED, 1_000, true, 52, 900, -1).write(set);
    }

    @Test
    void thePromotedDisksBecomeReplicasAgainThatKnowWhatWasWrittenSinceThePromote() throws Exception {
        assertThat(PromotedSiteDiscard.discard(set, WRITTEN)).contains("replicas of the original site again")
                .contains(64 * 1024 + 2 * MIB + " bytes").contains("--discard replica");

        ReplicaMetadata stamp = ReplicaSet.readStamp(set).orElseThrow();
        assertThat(stamp.states()).containsOnly(ReplicaState.UP_TO_DATE);
        assertThat(stamp.appliedSeq()).isEqualTo(PROMOTED);
        assertThat(stamp.generations()).isEqualTo(promoted.generations());
        assertThat(FailoverRecord.read(set)).isEmpty();
        assertWrittenAfterPromote(List.of(new Range(0, 3 * MIB, MIB), new Range(1, 0, 2 * MIB)));

        assertThat(PromotedSiteDiscard.discard(set, WRITTEN)).contains("resolved already");
        assertThat(ReplicaSet.readStamp(set).orElseThrow()).isEqualTo(stamp);
    }

    @Test
    void aRerunAfterACrashAfterAnyStepCompletesIt() throws Exception {
        // After step 1 of an earlier run with other regions: redone whole.
        WrittenRegions.replaceWith(set, 1, DISKS, PROMOTED, List.of(new Range(1, 6 * MIB, MIB)));
        PromotedSiteDiscard.discard(set, WRITTEN);
        assertWrittenAfterPromote(List.of(new Range(0, 3 * MIB, MIB), new Range(1, 0, 2 * MIB)));

        // After step 2: the stamp is written, the record not deleted yet.
        record(FailoverRecord.Step.DONE);
        assertThat(PromotedSiteDiscard.discard(set, WRITTEN)).contains("replicas of the original site again");
        assertThat(FailoverRecord.read(set)).isEmpty();
        assertThat(ReplicaSet.readStamp(set).orElseThrow().states()).containsOnly(ReplicaState.UP_TO_DATE);
        assertWrittenAfterPromote(List.of(new Range(0, 3 * MIB, MIB), new Range(1, 0, 2 * MIB)));
    }

    @Test
    void unknownRegionsAreTheWholeDisks() throws Exception {
        assertThat(PromotedSiteDiscard.discard(set, null)).contains("not known: the whole disks");
        assertWrittenAfterPromote(List.of(new Range(0, 0, 16 * MIB), new Range(1, 0, 8 * MIB)));
    }

    @Test
    void anUnfinishedFailoverOrASetInUseIsRefusedUnchanged() throws Exception {
        record(FailoverRecord.Step.RECORDED);
        assertThatThrownBy(() -> PromotedSiteDiscard.discard(set, WRITTEN))
                .isInstanceOf(RollbackRefusedException.class).hasMessageContaining("run datamover failover again");
        record(FailoverRecord.Step.DONE);
        try (DirectoryLock held = DirectoryLock.acquire(set, "a target gateway")) {
            assertThatThrownBy(() -> PromotedSiteDiscard.discard(set, WRITTEN))
                    .isInstanceOf(RollbackRefusedException.class).hasMessageContaining("stop the target gateway");
        }
        assertThat(ReplicaSet.readStamp(set).orElseThrow()).isEqualTo(promoted);
        assertThat(FailoverRecord.read(set)).isPresent();
        assertThat(Files.exists(set.resolve(WrittenRegions.FILE_NAME))).isFalse();
    }

    private void assertWrittenAfterPromote(List<Range> expected) throws IOException {
        try (ReplicaSet opened = ReplicaSet.open(set, new ReplicaSetConfig("pair-a", 1, DISKS, Provisioning.THIN))) {
            ResyncRegions after = opened.writtenAfter(PROMOTED);
            assertThat(after.everything()).isFalse();
            assertThat(after.ranges()).containsExactlyInAnyOrderElementsOf(expected);
        }
    }
}
