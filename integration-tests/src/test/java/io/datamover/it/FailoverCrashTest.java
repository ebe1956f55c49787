package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.applier.Applier;
import io.datamover.applier.FailoverRecord;
import io.datamover.applier.Provisioning;
import io.datamover.applier.ReplicaMetadata;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaSetConfig;
import io.datamover.applier.ReplicaState;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.RecordKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code datamover failover} on a stopped target gateway's directories, crashed (as kill -9 would) at each of its
 * persistence steps ({@code FAILOVER_*} crash points) while a resync of one disk was under way: right after the
 * crash the replica set is fully before or fully after the step, never reported usable when torn (INCONSISTENT
 * until rolled back, PROMOTED only at the consistent image); run again, it converges on the image before the resync
 * (whole-disk SHA-256 and allocated bytes), every disk PROMOTED in the generation the first run recorded, the spool
 * dropped.
 */
class FailoverCrashTest {
    private static final int KIB = 1024;
    private static final DiskInfo A = new DiskInfo(1, "system", 4096 * KIB, 4 * KIB);
    private static final DiskInfo B = new DiskInfo(2, "data", 2048 * KIB, 4 * KIB);
    private static final long CONSISTENT_SEQ = 7;
    private static final String SPOOLED = "00000000000000000100-00000000000000000101.batch";

    @TempDir
    Path base;

    private final Random random = new Random(17);
    private final List<BlockWrite> written = new ArrayList<>();

    @ParameterizedTest
    @EnumSource(value = CrashPoint.Point.class, names = "FAILOVER_.*", mode = EnumSource.Mode.MATCH_ALL)
    void aFailoverCrashedAtAStepConvergesWhenRunAgain(CrashPoint.Point point) throws Exception {
        Path replicas = base.resolve("replicas");
        Path data = base.resolve("target-data");
        Path set = replicas.resolve("cg-1");
        Map<String, String> consistent = midResync(set);
        long consistentSeq = CONSISTENT_SEQ;
        Path spool = Files.createDirectories(data.resolve("cg-1").resolve("spool"));
        Files.writeString(spool.resolve(SPOOLED), "a batch past the image");

        ReplicationSite.CommandRun crashed = failover(replicas, data, FailoverTest.armed(point), "--force");
        assertThat(crashed.exitCode()).as(crashed.output()).isEqualTo(CrashPoint.EXIT_STATUS);
        FailoverRecord recorded = FailoverRecord.read(set).orElseThrow();
        ReplicaMetadata stamp = ReplicaSet.readStamp(set).orElseThrow();
        switch (point) {
            case FAILOVER_RECORDED -> {
                assertThat(stamp.statesById()).containsEntry(A.id(), ReplicaState.INCONSISTENT);
                assertThat(images(set)).isNotEqualTo(consistent);
            }
            case FAILOVER_ROLLED_BACK -> {
                assertThat(stamp.states()).containsOnly(ReplicaState.UP_TO_DATE);
                assertThat(stamp.appliedSeq()).isEqualTo(consistentSeq);
                assertThat(images(set)).isEqualTo(consistent);
            }
            case FAILOVER_PROMOTED, FAILOVER_SPOOL_DROPPED -> {
                assertThat(stamp.states()).containsOnly(ReplicaState.PROMOTED);
                assertThat(stamp.generations().current()).isEqualTo(recorded.generation());
                assertThat(images(set)).isEqualTo(consistent);
                assertThat(spool.resolve(SPOOLED).toFile().exists())
                        .isEqualTo(point == CrashPoint.Point.FAILOVER_PROMOTED);
            }
            default -> throw new AssertionError(point + " is not a failover step");
        }
        assertThat(recorded.step()).isEqualTo(FailoverRecord.Step.RECORDED);

        ReplicationSite.CommandRun again = failover(replicas, data, "", "--force");
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).contains("PROMOTED at seq " + consistentSeq).contains("lost: unknown");
        ReplicaMetadata promoted = ReplicaSet.readStamp(set).orElseThrow();
        assertThat(promoted.states()).containsOnly(ReplicaState.PROMOTED);
        assertThat(promoted.appliedSeq()).isEqualTo(consistentSeq);
        assertThat(promoted.generations().current()).isEqualTo(recorded.generation());
        assertThat(FailoverRecord.read(set).orElseThrow().step()).isEqualTo(FailoverRecord.Step.DONE);
        assertThat(images(set)).isEqualTo(consistent);
        assertThat(spool).isEmptyDirectory();
    }

    @Test
    void onTheStoppedStateAFailoverWithoutForceIsRefusedWithNothingChanged() throws Exception {
        Path replicas = base.resolve("replicas");
        Path set = replicas.resolve("cg-1");
        midResync(set);
        Map<String, String> before = images(set);

        ReplicationSite.CommandRun refused = failover(replicas, base.resolve("target-data"), "");
        assertThat(refused.exitCode()).as(refused.output()).isOne();
        assertThat(refused.output()).contains("cannot be seen").contains("--force");
        assertThat(FailoverRecord.read(set)).isEmpty();
        assertThat(images(set)).isEqualTo(before);
    }

    /**
     * A replica set at consistent seq 7 (both disks synced), then a resync of disk A under way (seqs 8 to 11, no
     * SYNC_END: A INCONSISTENT, its image at seq 3 kept in the undo log). Returns each image's digest and allocated
     * bytes at seq 7.
     */
    private Map<String, String> midResync(Path set) throws Exception {
        ReplicaSetConfig config = new ReplicaSetConfig("pair-f", 1, List.of(A, B), Provisioning.THIN);
        Map<String, String> atConsistent;
        try (ReplicaSet replicas = ReplicaSet.open(set, config)) {
            replicas.adoptGenerations(GenerationHistory.first());
            Applier applier = new Applier(replicas, new SimpleMeterRegistry());
            applier.apply(1, CONSISTENT_SEQ, List.of(BlockWrite.marker(1, A.id(), RecordKind.SYNC_BEGIN),
                    BlockWrite.marker(2, B.id(), RecordKind.SYNC_BEGIN), data(3, A, 0, 1024 * KIB),
                    data(4, A, 2048 * KIB, 64 * KIB), data(5, B, 512 * KIB, 256 * KIB),
                    BlockWrite.marker(6, A.id(), RecordKind.SYNC_END), BlockWrite.marker(7, B.id(), RecordKind.SYNC_END)));
            atConsistent = images(set);
            applier.apply(8, 11, List.of(BlockWrite.marker(8, A.id(), RecordKind.SYNC_BEGIN),
                    data(9, A, 512 * KIB, 1024 * KIB), BlockWrite.range(10, A.id(), 0, 256 * KIB, RecordKind.ZERO),
                    data(11, A, 3072 * KIB, 128 * KIB)));
            assertThat(replicas.resyncProtected()).isTrue();
        } finally {
            written.forEach(BlockWrite::release);
        }
        return atConsistent;
    }

    private BlockWrite data(long seq, DiskInfo disk, long offset, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        BlockWrite write = BlockWrite.data(seq, disk.id(), offset, Unpooled.wrappedBuffer(bytes));
        written.add(write);
        return write;
    }

    private static Map<String, String> images(Path set) throws IOException {
        return Disks.fingerprints(set, List.of(A, B));
    }

    /** {@code datamover failover --cg 1 --replica-dir R --data-dir D args...} under {@code javaOptions}. */
    private ReplicationSite.CommandRun failover(Path replicas, Path data, String javaOptions, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("failover", "--cg", "1", "--replica-dir", replicas.toString(),
                "--data-dir", data.toString()));
        command.addAll(List.of(args));
        Path output = Files.createTempFile(base, "failover", ".out");
        ProcessBuilder pb = DaemonProcess.launcher(command).redirectErrorStream(true).redirectOutput(output.toFile());
        if (!javaOptions.isEmpty()) {
            pb.environment().put("DATAMOVER_JAVA_OPTS", javaOptions);
        }
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("datamover " + command + " did not finish within a minute");
        }
        return new ReplicationSite.CommandRun(p.exitValue(), Files.readString(output));
    }
}
