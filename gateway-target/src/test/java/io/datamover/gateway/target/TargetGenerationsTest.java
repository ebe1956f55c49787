package io.datamover.gateway.target;

import static io.datamover.gateway.target.Images.DISKS;
import static io.datamover.gateway.target.Images.data;
import static io.datamover.gateway.target.Images.marker;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaState;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.Compression;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.Hello;
import io.datamover.protocol.RecordKind;
import io.datamover.protocol.ResyncRegions;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The target gateway's side of generations (docs/protocol.md, "Generations"): a new replica set takes the source's
 * history; a source that holds less than the replicas, or another history, is refused with nothing applied and the
 * refusal visible; a discard by the operator restarts the replicas at the source's seq.
 */
class TargetGenerationsTest extends TargetGatewayFixture {
    private static final GenerationHistory FIRST = TestSource.GENERATIONS;

    private Hello hello(GenerationHistory history, long journalSeq) {
        return TestSource.hello(PAIR, CG, DISKS).withGenerations(history, journalSeq);
    }

    private double diverged() {
        return registry.get("datamover.pair.diverged").tag("cg", Integer.toString(CG)).gauge().value();
    }

    /** Five seqs applied: a sync of disk 1 begun, then data. */
    private void applyFive() throws Exception {
        TestSource source = connect(hello(FIRST, 5));
        source.send(images.batch(CG, 1, 5, Compression.NONE, List.of(marker(1, 1, RecordKind.SYNC_BEGIN),
                data(2, 1, 0, images.random(8192)), data(5, 2, 4096, images.random(4096)))));
        source.awaitAck(AckScope.APPLIED, 5);
        source.close();
    }

    /** What the replica stamp on disk says. */
    private record Stamp(GenerationHistory history, long appliedSeq) {}

    private Stamp stamp() throws Exception {
        return ReplicaSet.readStamp(replicaDir()).map(m -> new Stamp(m.generations(), m.appliedSeq())).orElseThrow();
    }

    /** SHA-256 over every replica image, in disk order. */
    private String replicasSha256() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (var d : DISKS) {
            sha.update(Files.readAllBytes(replicaDir().resolve(d.name() + ".img")));
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @Test
    void aNewReplicaSetTakesTheSourcesHistoryAndAnswersWithIt() throws Exception {
        start();
        TestSource source = connect(hello(FIRST, 0));
        assertThat(source.lastHelloAck.generations()).isEqualTo(FIRST);
        assertThat(stamp().history()).as("durable before the answer").isEqualTo(FIRST);
        assertThat(diverged()).isZero();
    }

    @Test
    void aSourceThatHoldsLessThanTheReplicasIsRefusedAsDivergedAndNothingIsApplied() throws Exception {
        start();
        applyFive();
        String before = replicasSha256();

        // The attack of issue 15 turned round: the replicas hold seq 5, the source's journal ends at 4.
        assertThat(refused(hello(FIRST, 4), ErrorCode.DIVERGED))
                .contains("holds seq 5").contains("seq 4").contains("resync --cg 7 --discard replica");
        assertThat(status().groupState()).isEqualTo("DIVERGED");
        assertThat(diverged()).isEqualTo(1);
        assertThat(registry.counter("datamover.target.rejected", "code", "DIVERGED").count()).isEqualTo(1);
        // The source's generation is an older one of the replicas': restored from an older copy.
        GenerationHistory moved = FIRST.next(5, false);
        start();
        connect(hello(moved, 5)).close();
        assertThat(refused(hello(FIRST, 100), ErrorCode.DIVERGED)).contains("older copy");
        // Another history altogether.
        assertThat(refused(hello(GenerationHistory.first(), 100), ErrorCode.UNRELATED)).contains("no common");
        assertThat(replicasSha256()).isEqualTo(before);
        assertThat(status().appliedSeq()).isEqualTo(5);

        // The right source is accepted again, and the refusal clears.
        connect(hello(moved, 5)).close();
        assertThat(status().groupState()).isNotEqualTo("DIVERGED");
        assertThat(diverged()).isZero();
    }

    @Test
    void aDiscardByTheOperatorRestartsTheReplicasAtTheSourcesSeq() throws Exception {
        start();
        applyFive();
        // Refused at seq 3, then resync --discard replica: the source's FIRST ended at 3 by a discard.
        refused(hello(FIRST, 3), ErrorCode.DIVERGED);
        GenerationHistory discarding = FIRST.next(3, true);
        TestSource source = connect(hello(discarding, 3));
        assertThat(source.lastHelloAck.resumeSeq()).isEqualTo(3);
        assertThat(source.lastHelloAck.generations()).isEqualTo(discarding);
        assertThat(stamp()).isEqualTo(new Stamp(discarding, 3));
        assertThat(status().replicaStates().values()).containsOnly(ReplicaState.INCONSISTENT);
        assertThat(status().groupState()).isEqualTo("INCONSISTENT");
        // Right after the HELLO_ACK: what the replicas were written in after seq 3 (within what was written since
        // they took FIRST at seq 0), never the whole disks.
        ResyncRegions regions = source.next(ResyncRegions.class);
        assertThat(regions.cg()).isEqualTo(CG);
        assertThat(regions.everything()).isFalse();
        assertThat(regions.ranges()).isNotEmpty();

        // The stream continues at seq 4 of the new generation; the resync brings the disks back.
        source.send(images.batch(CG, 4, 5, Compression.NONE, List.of(marker(4, 1, RecordKind.SYNC_BEGIN),
                marker(5, 1, RecordKind.SYNC_END))));
        source.awaitAck(AckScope.APPLIED, 5);
        assertThat(status().replicaStates().get("system")).isEqualTo(ReplicaState.UP_TO_DATE);
        source.close();
        // Rerun: the same history is now the replicas' own: a plain resume.
        assertThat(connect(hello(discarding, 5)).lastHelloAck.resumeSeq()).isEqualTo(5);
    }

    private String refused(Hello hello, ErrorCode code) throws Exception {
        TestSource source = track(new TestSource(gateway.address()));
        source.send(hello);
        return source.awaitError(code).message();
    }
}
