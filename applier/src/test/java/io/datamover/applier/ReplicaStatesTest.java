package io.datamover.applier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.applier.ApplyException.Reason;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.RecordKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicaStatesTest {
    private static final int MIB = 1024 * 1024;
    private static final List<DiskInfo> DISKS = List.of(
            new DiskInfo(1, "system", MIB, 4096), new DiskInfo(2, "data", MIB, 4096));
    private static final ReplicaSetConfig CONFIG = new ReplicaSetConfig("pair-a", 5, DISKS, Provisioning.THIN);

    @TempDir
    Path dir;

    private final List<BlockWrite> toRelease = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void release() {
        toRelease.forEach(BlockWrite::release);
    }

    private BlockWrite keep(BlockWrite e) {
        toRelease.add(e);
        return e;
    }

    private BlockWrite data(long seq, int disk, int value) {
        byte[] bytes = new byte[4096];
        java.util.Arrays.fill(bytes, (byte) value);
        return keep(BlockWrite.data(seq, disk, 0, Unpooled.wrappedBuffer(bytes)));
    }

    private BlockWrite marker(long seq, int disk, RecordKind kind) {
        return keep(BlockWrite.marker(seq, disk, kind));
    }

    @Test
    void newDisksAreInconsistentAndASyncMakesThemUpToDateDurably() throws Exception {
        try (ReplicaSet set = ReplicaSet.open(dir, CONFIG)) {
            assertThat(set.states()).containsExactly(Map.entry(1, ReplicaState.INCONSISTENT),
                    Map.entry(2, ReplicaState.INCONSISTENT));
            Applier applier = new Applier(set, registry);
            applier.apply(1, 3, List.of(marker(1, 1, RecordKind.SYNC_BEGIN), data(2, 1, 7),
                    marker(3, 1, RecordKind.SYNC_END)));
            assertThat(set.states()).containsExactly(Map.entry(1, ReplicaState.UP_TO_DATE),
                    Map.entry(2, ReplicaState.INCONSISTENT));
            // A resync of disk 1 starts in this batch and ends in the next one; disk 2 syncs meanwhile.
            applier.apply(4, 6, List.of(marker(4, 1, RecordKind.SYNC_BEGIN), marker(5, 2, RecordKind.SYNC_BEGIN),
                    marker(6, 2, RecordKind.SYNC_END)));
            assertThat(set.states()).containsExactly(Map.entry(1, ReplicaState.INCONSISTENT),
                    Map.entry(2, ReplicaState.UP_TO_DATE));
        }
        try (ReplicaSet reopened = ReplicaSet.open(dir, CONFIG)) {
            assertThat(reopened.appliedSeq()).isEqualTo(6);
            assertThat(reopened.states()).containsExactly(Map.entry(1, ReplicaState.INCONSISTENT),
                    Map.entry(2, ReplicaState.UP_TO_DATE));
            assertThat(ReplicaMetadataFile.read(dir).orElseThrow().states())
                    .containsExactly(ReplicaState.INCONSISTENT, ReplicaState.UP_TO_DATE);
        }
    }

    @Test
    void aSyncEndWithoutASyncUnderWayIsRefusedAndTheBatchChangesNothing() throws Exception {
        try (ReplicaSet set = ReplicaSet.open(dir, CONFIG)) {
            Applier applier = new Applier(set, registry);
            applier.apply(1, 1, List.of(marker(1, 2, RecordKind.SYNC_END)));
            byte[] stampBefore = Files.readAllBytes(ReplicaMetadataFile.path(dir));

            assertThatThrownBy(() -> applier.apply(2, 3, List.of(data(2, 2, 9), marker(3, 2, RecordKind.SYNC_END))))
                    .isInstanceOfSatisfying(ApplyException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_STATE_TRANSITION))
                    .hasMessageContaining("SYNC_END for disk data");
            assertThat(Files.readAllBytes(ReplicaMetadataFile.path(dir))).isEqualTo(stampBefore);
            assertThat(set.appliedSeq()).isEqualTo(1);
            assertThat(Files.readAllBytes(dir.resolve("data.img"))).containsOnly(0);
            assertThat(registry.counter("datamover.applier.errors", "cg", "5", "kind", "INVALID_STATE_TRANSITION")
                    .count()).isEqualTo(1);
        }
    }

    @Test
    void aPromotedReplicaRefusesEveryBatchEvenAnAlreadyAppliedOne() throws Exception {
        ReplicaSet.open(dir, CONFIG).close();
        ReplicaMetadataFile.write(dir, new ReplicaMetadata("pair-a", 5, DISKS,
                List.of(ReplicaState.UP_TO_DATE, ReplicaState.PROMOTED), 10));
        try (ReplicaSet set = ReplicaSet.open(dir, CONFIG)) {
            Applier applier = new Applier(set, registry);
            for (long first : new long[] {5, 11}) {
                assertThatThrownBy(() -> applier.apply(first, first, List.of(data(first, 1, 3))))
                        .isInstanceOfSatisfying(ApplyException.class,
                                e -> assertThat(e.reason()).isEqualTo(Reason.REPLICA_PROMOTED))
                        .hasMessageContaining("disk data");
            }
            assertThat(set.appliedSeq()).isEqualTo(10);
            assertThat(Files.readAllBytes(dir.resolve("system.img"))).containsOnly(0);
        }
    }

    @Test
    void markersNeverLeadIntoOrOutOfPromoted() throws Exception {
        for (ReplicaState from : ReplicaState.values()) {
            for (RecordKind marker : List.of(RecordKind.SYNC_BEGIN, RecordKind.SYNC_END)) {
                try {
                    ReplicaState to = ReplicaStateTransitions.afterMarker(from, marker, "d", 1);
                    assertThat(from).isNotEqualTo(ReplicaState.PROMOTED);
                    assertThat(to).isNotEqualTo(ReplicaState.PROMOTED);
                    assertThat(to).isEqualTo(marker == RecordKind.SYNC_BEGIN ? ReplicaState.INCONSISTENT
                            : ReplicaState.UP_TO_DATE);
                    assertThat(marker == RecordKind.SYNC_END && from == ReplicaState.UP_TO_DATE).isFalse();
                } catch (ApplyException e) {
                    assertThat(from == ReplicaState.PROMOTED
                            || (from == ReplicaState.UP_TO_DATE && marker == RecordKind.SYNC_END)).isTrue();
                }
            }
        }
    }
}
