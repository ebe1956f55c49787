package io.datamover.tap;

import static io.datamover.tap.support.Tools.qemuIo;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.VerifyAnswer;
import io.datamover.protocol.VerifyRepair;
import io.datamover.protocol.VerifyRequest;
import io.datamover.tap.replication.ReplicationMode;
import io.datamover.tap.support.TapTestBase;
import io.datamover.tap.support.Tools;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tap's side of an online verify ({@link VerifyResponder}), on a served disk written by qemu-io: digests of the
 * source's regions (data and holes), refusals that say why (another group, an unknown disk), and a repair that
 * leaves exactly its regions dirty and the group in bitmap mode for its resync.
 */
class VerifyResponderTest extends TapTestBase {
    private static final int SIZE = 16 << 20;
    private static final int REGION = 64 << 10;
    private static final int CG = 5;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private VerifyResponder responder;

    @BeforeEach
    void start() throws Exception {
        Tools.assumeInstalled("qemu-io");
        fixture.serve(fixture.config().consistencyGroupId(CG), SIZE, "disk0", "disk1");
        responder = new VerifyResponder(fixture.tap);
    }

    @Test
    void aRequestIsAnsweredWithTheSourcesDigestsAndTheLastSeq() throws Exception {
        Tools.Result write = Tools.run(DEADLINE, qemuIo(fixture.uri("disk1"), "write -P 0x5a 64k 64k"));
        assertThat(write.exitCode()).as(write.output()).isZero();

        VerifyAnswer answer = answer(new VerifyRequest(1, CG, 1, 0, REGION, 3, 0));

        assertThat(answer.refused()).as(answer.message()).isFalse();
        byte[] written = new byte[REGION];
        Arrays.fill(written, (byte) 0x5a);
        assertThat(answer.digests()).containsExactly(sha256(new byte[REGION]), sha256(written),
                sha256(new byte[REGION]));
        assertThat(answer.bytesRead()).as("only the data is read").isEqualTo(REGION);
        assertThat(answer.seq()).as("the write's seq").isEqualTo(fixture.tap.lastSeq());
    }

    @Test
    void anotherGroupOrAnUnknownDiskIsRefusedSayingWhy() throws Exception {
        VerifyAnswer otherGroup = answer(new VerifyRequest(2, CG + 1, 0, 0, REGION, 1, 0));
        assertThat(otherGroup.refused()).isTrue();
        assertThat(otherGroup.message()).contains("serves consistency group 5, not 6");

        VerifyAnswer unknownDisk = answer(new VerifyRequest(3, CG, 2, 0, REGION, 1, 0));
        assertThat(unknownDisk.refused()).isTrue();
        assertThat(unknownDisk.message()).contains("no disk 2");
    }

    @Test
    void aRepairMarksItsRegionsDirtyAndStartsTheResync() throws Exception {
        java.util.BitSet otherDisk = fixture.tap.regionsThatMustStayDirty("disk0");
        VerifyAnswer done = answer(new VerifyRepair(4, CG, 1, List.of(new VerifyRepair.Range(8L << 20, REGION))));

        assertThat(done.refused()).as(done.message()).isFalse();
        assertThat(done.digests()).isEmpty();
        assertThat(fixture.tap.mode()).isEqualTo(ReplicationMode.BITMAP);
        int region = (int) ((8L << 20) / fixture.tap.config().regionSizeBytes());
        assertThat(fixture.tap.regionsThatMustStayDirty("disk1").get(region)).isTrue();
        assertThat(fixture.tap.regionsThatMustStayDirty("disk0")).as("only the disk named").isEqualTo(otherDisk);
    }

    private VerifyAnswer answer(io.datamover.protocol.Frame request) throws Exception {
        return responder.answer(request).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
