package io.datamover.gateway.target;

import static io.datamover.gateway.target.Images.MIB;
import static io.datamover.gateway.target.Images.data;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.protocol.AckScope;
import io.datamover.protocol.Compression;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.Frame;
import io.datamover.protocol.VerifyAnswer;
import io.datamover.protocol.VerifyRequest;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The target gateway's side of an online verify, on the source's connection (docs/protocol.md, "Online verify"): a
 * VERIFY_REQUEST is answered with the SHA-256 of the replica's regions once the group applied the seq asked, an
 * unknown disk with a refusal that leaves the link up; a request before the handshake, or of another group, is a
 * violation that closes the connection.
 */
class TargetVerifyTest extends TargetGatewayFixture {
    private static final int REGION = 64 << 10;

    @Test
    void aRequestIsAnsweredWithTheReplicasDigestsOnceTheSeqAskedIsApplied() throws Exception {
        start();
        TestSource source = connect();
        byte[] first = images.random(MIB);
        source.send(images.batch(CG, 1, 1, Compression.NONE, List.of(data(1, 1, 0, first))));
        source.awaitAck(AckScope.APPLIED, 1);

        // Asked at seq 2 before batch 2 arrives: read once it is applied, never before.
        source.send(new VerifyRequest(11, CG, 1, 0, REGION, 2, 2));
        byte[] second = images.random(REGION);
        source.send(images.batch(CG, 2, 2, Compression.NONE, List.of(data(2, 1, REGION, second))));
        VerifyAnswer answer = answer(source, 11);

        assertThat(answer.refused()).as(answer.message()).isFalse();
        assertThat(answer.seq()).isEqualTo(2);
        assertThat(answer.consistent()).as("the replicas were never synced: INCONSISTENT").isFalse();
        assertThat(answer.digests()).containsExactly(sha256(first, REGION), sha256(second, REGION));
        assertThat(answer.bytesRead()).isEqualTo(2L * REGION);
    }

    @Test
    void anUnknownDiskIsRefusedInTheAnswerAndTheLinkStaysUp() throws Exception {
        start();
        TestSource source = connect();

        source.send(new VerifyRequest(12, CG, 9, 0, REGION, 1, 0));
        VerifyAnswer refused = answer(source, 12);
        assertThat(refused.refused()).isTrue();
        assertThat(refused.message()).contains("no disk 9");

        // A hole digests as zeros, and nothing is read for it.
        source.send(new VerifyRequest(13, CG, 2, MIB, REGION, 1, 0));
        VerifyAnswer hole = answer(source, 13);
        assertThat(hole.digests()).containsExactly(sha256(new byte[REGION], REGION));
        assertThat(hole.bytesRead()).isZero();
    }

    @Test
    void aRequestBeforeTheHandshakeOrOfAnotherGroupClosesTheConnection() throws Exception {
        start();
        TestSource stranger = track(new TestSource(gateway.address()));
        stranger.send(new VerifyRequest(1, CG, 1, 0, REGION, 1, 0));
        assertThat(stranger.awaitError(ErrorCode.MALFORMED).message()).contains("VERIFY_REQUEST");

        TestSource source = connect();
        source.send(new VerifyRequest(2, CG + 1, 1, 0, REGION, 1, 0));
        source.awaitError(ErrorCode.WRONG_PAIR);
    }

    /** Skips acks and heartbeats up to the answer of request {@code id}. */
    private static VerifyAnswer answer(TestSource source, long id) throws InterruptedException {
        while (true) {
            Frame frame = source.nextIgnoringHeartbeats();
            if (frame instanceof VerifyAnswer answer && answer.requestId() == id) {
                return answer;
            }
        }
    }

    private static String sha256(byte[] bytes, int length) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        digest.update(bytes, 0, length);
        return HexFormat.of().formatHex(digest.digest());
    }
}
