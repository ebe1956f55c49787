package io.datamover.applier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.ResyncRegions.Range;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reverse replication at the original site: the original disks become a replica set, linked, never copied, whose
 * written regions after the promoted seq are the ones the original site wrote; a rerun changes nothing; another
 * set or another file in the way is refused.
 */
class OriginalSiteReplicasTest {
    private static final long MIB = 1 << 20;
    private static final List<DiskInfo> DISKS = List.of(new DiskInfo(0, "sys", 16 * MIB, 4096),
            new DiskInfo(1, "data", 8 * MIB, 4096));
    private static final long PROMOTED = 40;

    @TempDir
    Path dir;

    private OriginalSiteReplicas.Original original(List<Range> written) throws IOException {
        Path sys = dir.resolve("sys.img");
        Path data = dir.resolve("data.img");
        if (!Files.exists(sys)) {
            sparse(sys, 16 * MIB);
            sparse(data, 8 * MIB);
        }
        return new OriginalSiteReplicas.Original("pair-a", 1, DISKS, Map.of("sys", sys, "data", data),
                GenerationHistory.first(), 45, written);
    }

    private static void sparse(Path image, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(size);
        }
    }

    @Test
    void theOriginalDisksBecomeAReplicaSetThatKnowsWhatTheyWroteAfterThePromotedSeq() throws Exception {
        Path set = dir.resolve("replicas/cg-1");
        OriginalSiteReplicas.Original original = original(List.of(new Range(0, 3 * MIB, 64 * 1024),
                new Range(1, 0, 2 * MIB)));
        String done = OriginalSiteReplicas.prepare(set, original, PROMOTED);
        assertThat(done).contains("now the replica set");

        assertThat(Files.isSameFile(set.resolve("sys.img"), original.images().get("sys"))).isTrue();
        ReplicaMetadata stamp = ReplicaSet.readStamp(set).orElseThrow();
        assertThat(stamp.appliedSeq()).isEqualTo(45);
        assertThat(stamp.states()).containsOnly(ReplicaState.UP_TO_DATE);
        assertThat(stamp.generations().indexOfEarlier(original.history().current())).isZero();
        try (ReplicaSet opened = ReplicaSet.open(set, new ReplicaSetConfig("pair-a", 1, DISKS,
                Provisioning.THIN))) {
            ResyncRegions after = opened.writtenAfter(PROMOTED);
            assertThat(after.everything()).isFalse();
            assertThat(after.ranges()).containsExactlyInAnyOrder(new Range(0, 3 * MIB, MIB), new Range(1, 0, 2 * MIB));
        }

        assertThat(OriginalSiteReplicas.prepare(set, original, PROMOTED)).contains("a replica set already");
        assertThat(ReplicaSet.readStamp(set).orElseThrow()).isEqualTo(stamp);
    }

    @Test
    void unknownRegionsAreTheWholeDisksAndAnotherFileInTheWayIsRefused() throws Exception {
        Path set = dir.resolve("replicas/cg-1");
        Files.createDirectories(set);
        Files.writeString(set.resolve("data.img"), "someone else's");
        assertThatThrownBy(() -> OriginalSiteReplicas.prepare(set, original(null), PROMOTED))
                .isInstanceOf(RollbackRefusedException.class).hasMessageContaining("move it aside");
        assertThat(ReplicaSet.readStamp(set)).isEmpty();

        Files.delete(set.resolve("data.img"));
        assertThat(OriginalSiteReplicas.prepare(set, original(null), PROMOTED)).contains("the whole disks");
        try (ReplicaSet opened = ReplicaSet.open(set, new ReplicaSetConfig("pair-a", 1, DISKS,
                Provisioning.THIN))) {
            assertThat(opened.writtenAfter(PROMOTED).ranges()).containsExactlyInAnyOrder(
                    new Range(0, 0, 16 * MIB), new Range(1, 0, 8 * MIB));
        }
    }
}
