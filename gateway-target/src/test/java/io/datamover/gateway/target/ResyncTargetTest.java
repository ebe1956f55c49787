package io.datamover.gateway.target;

import static io.datamover.gateway.target.Images.DISKS;
import static io.datamover.gateway.target.Images.MIB;
import static io.datamover.gateway.target.Images.data;
import static io.datamover.gateway.target.Images.marker;
import static io.datamover.gateway.target.Images.trim;
import static io.datamover.gateway.target.Images.zero;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.applier.ConsistentImageRollback;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaState;
import io.datamover.disk.SparseFile;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.Compression;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.RecordKind;
import java.security.MessageDigest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The target gateway during a resync: status says which consistent image is held, and rollback gives it back. */
class ResyncTargetTest extends TargetGatewayFixture {

    /** Initial sync of both disks (seqs 1 to 8), then streaming (9, 10): the consistent image at seq 10. */
    private void syncedToTen(TestSource source) throws InterruptedException {
        source.send(images.batch(CG, 1, 8, Compression.NONE, List.of(
                marker(1, 1, RecordKind.SYNC_BEGIN), marker(2, 2, RecordKind.SYNC_BEGIN),
                data(3, 1, 0, images.random(MIB)), data(4, 1, 3 * MIB + 8192, images.random(4096)),
                data(5, 2, 64 * 1024, images.random(256 * 1024)), data(6, 2, MIB, images.random(8192)),
                marker(7, 1, RecordKind.SYNC_END), marker(8, 2, RecordKind.SYNC_END))));
        source.send(images.batch(CG, 9, 10, Compression.NONE, List.of(
                data(9, 1, 2 * MIB, images.random(4096)), data(10, 2, 0, images.random(4096)))));
        source.awaitAck(AckScope.APPLIED, 10);
    }

    /** A resync of disk 1 (seqs 11 to 16) with guest writes to both disks; no SYNC_END. */
    private void resyncOfDiskOne(TestSource source) {
        source.send(images.batch(CG, 11, 16, Compression.LZ4, List.of(
                marker(11, 1, RecordKind.SYNC_BEGIN),
                data(12, 1, 0, Images.pattern(512 * 1024, 5)),
                zero(13, 1, 512 * 1024, 512 * 1024),
                data(14, 1, MIB + 4096, Images.pattern(128 * 1024, 6)), // was a hole
                trim(15, 1, 3 * MIB, 64 * 1024),
                data(16, 2, 64 * 1024, images.random(4096)))));
    }

    @Test
    void duringAResyncStatusShowsTheImageKeptAndRollbackGivesItBackWithItsHoles() throws Exception {
        start();
        TestSource source = connect();
        syncedToTen(source);
        assertThat(status().consistentImage()).hasValue(10);
        assertThat(status().resyncProtected()).isFalse();
        Map<String, Fingerprint> atTen = fingerprints();

        resyncOfDiskOne(source);
        source.awaitAck(AckScope.APPLIED, 16);
        images.assertReplicasMatch(replicaDir());
        ConsistencyGroupStatus during = status();
        assertThat(during.replicaStates()).containsExactly(Map.entry("system", ReplicaState.INCONSISTENT),
                Map.entry("data", ReplicaState.UP_TO_DATE));
        assertThat(during.appliedSeq()).isEqualTo(16);
        assertThat(during.consistentImage()).hasValue(10);
        assertThat(during.resyncProtected()).isTrue();
        assertThat(during.undoLogBytes()).isGreaterThan(MIB);
        assertThat(registry.get("datamover.target.undo.bytes").gauge().value()).isEqualTo(during.undoLogBytes());
        assertThat(registry.get("datamover.target.consistent.seq").gauge().value()).isEqualTo(10);

        // The source site is lost mid-resync: stop the gateway and roll back before failing over.
        gateway.close();
        gateway = null;
        ConsistentImageRollback.Result result = ConsistentImageRollback.rollback(replicaDir());

        assertThat(result.consistentSeq()).isEqualTo(10);
        assertThat(result.appliedSeqBefore()).isEqualTo(16);
        assertThat(fingerprints()).isEqualTo(atTen);
        try (ReplicaSet set = ReplicaSet.open(replicaDir(), new io.datamover.applier.ReplicaSetConfig(PAIR, CG, DISKS,
                io.datamover.applier.Provisioning.THIN))) {
            assertThat(set.appliedSeq()).isEqualTo(10);
            assertThat(set.states()).containsOnly(Map.entry(1, ReplicaState.UP_TO_DATE),
                    Map.entry(2, ReplicaState.UP_TO_DATE));
            assertThat(set.resyncProtected()).isFalse();
        }
    }

    @Test
    void aResyncThatEndsDropsItsUndoLogAndTheReplicasEqualTheSource() throws Exception {
        start();
        TestSource source = connect();
        syncedToTen(source);
        resyncOfDiskOne(source);
        source.send(images.batch(CG, 17, 18, Compression.NONE, List.of(
                data(17, 1, 2 * MIB + 4096, images.random(8192)), marker(18, 1, RecordKind.SYNC_END))));
        source.awaitAck(AckScope.APPLIED, 18);

        images.assertReplicasMatch(replicaDir());
        ConsistencyGroupStatus after = status();
        assertThat(after.replicaStates()).containsOnly(Map.entry("system", ReplicaState.UP_TO_DATE),
                Map.entry("data", ReplicaState.UP_TO_DATE));
        assertThat(after.consistentImage()).hasValue(18);
        assertThat(after.resyncProtected()).isFalse();
        assertThat(after.undoLogBytes()).isZero();
        assertThat(replicaDir().resolve("undo.log")).doesNotExist();
    }

    @Test
    void aResyncPastTheUndoBoundStopsApplyingAndTheBatchWaitsInTheSpool() throws Exception {
        start(b -> b.undoMaxBytes(256 * 1024));
        TestSource source = connect();
        syncedToTen(source);
        Map<String, Fingerprint> atTen = fingerprints();

        resyncOfDiskOne(source);
        source.awaitAck(AckScope.DURABLE, 16);
        assertThat(source.awaitError(ErrorCode.STORAGE_FAILURE).message()).contains("UNDO_LOG_FULL");
        await().atMost(Duration.ofSeconds(10)).until(() -> status().failure().isPresent());
        assertThat(status().appliedSeq()).isEqualTo(10);
        assertThat(status().spoolBatches()).isEqualTo(1);
        assertThat(status().consistentImage()).hasValue(10);
        assertThat(fingerprints()).isEqualTo(atTen);

        // The operator raises the bound and restarts: the spooled batch is applied.
        start(b -> b.undoMaxBytes(64L * MIB));
        await().atMost(Duration.ofSeconds(10)).until(() -> status().appliedSeq() == 16);
        images.assertReplicasMatch(replicaDir());
        assertThat(status().resyncProtected()).isTrue();
        assertThat(status().consistentImage()).hasValue(10);
    }

    /** A replica file's content (SHA-256) and how much of it is allocated: equal only with the same holes. */
    private record Fingerprint(String sha256, long allocatedBytes) {}

    private Map<String, Fingerprint> fingerprints() throws Exception {
        Map<String, Fingerprint> result = new HashMap<>();
        for (DiskInfo d : DISKS) {
            Path file = replicaDir().resolve(d.name() + ".img");
            try (SparseFile sparse = SparseFile.openReadOnly(file)) {
                result.put(d.name(), new Fingerprint(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(file))), sparse.allocatedBytes()));
            }
        }
        return result;
    }
}
