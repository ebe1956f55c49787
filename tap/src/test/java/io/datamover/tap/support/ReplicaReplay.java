package io.datamover.tap.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.disk.SparseFile;
import io.datamover.protocol.RecordKind;
import io.datamover.tap.sender.TestGatewayReceiver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** Replays received records onto an empty sparse file, as the target's applier would, and compares disks. */
public final class ReplicaReplay {

    private static final int COMPARE_BYTES = 1 << 20;

    private ReplicaReplay() {
    }

    /** A new sparse file of {@code sizeBytes} with {@code disk}'s records applied in order (zeros become holes). */
    public static Path replay(Path replica, long sizeBytes, int disk, List<TestGatewayReceiver.Received> records)
            throws IOException {
        SparseFile.create(replica, sizeBytes).close();
        return apply(replica, disk, records);
    }

    /** Applies {@code disk}'s records in order onto an existing replica image (zeros become holes). */
    public static Path apply(Path replica, int disk, List<TestGatewayReceiver.Received> records) throws IOException {
        try (SparseFile file = SparseFile.openReadWrite(replica)) {
            for (TestGatewayReceiver.Received r : records) {
                if (r.disk() != disk || r.kind().isMarker()) {
                    continue;
                }
                if (r.kind() == RecordKind.DATA) {
                    file.writeFully(ByteBuffer.wrap(r.payload()), r.offset());
                } else {
                    file.punchHole(r.offset(), r.length());
                }
            }
            file.fdatasync();
        }
        return replica;
    }

    /**
     * What a gateway's journal holds of {@code received} (in arrival order, over several connections): each
     * connection continues right after what the journal held when it began, so a record replaces every record of
     * its seq or later that an earlier connection left unacknowledged.
     */
    public static List<TestGatewayReceiver.Received> journal(List<TestGatewayReceiver.Received> received) {
        List<TestGatewayReceiver.Received> journal = new ArrayList<>();
        for (TestGatewayReceiver.Received r : received) {
            while (!journal.isEmpty() && journal.getLast().seq() >= r.seq()) {
                journal.removeLast();
            }
            journal.add(r);
        }
        return journal;
    }

    /** SHA-256 of a whole image, holes reading as zeros. */
    public static String sha256(Path image) throws IOException {
        try (InputStream in = Files.newInputStream(image)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[COMPARE_BYTES];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Both files hold the same bytes, holes reading as zeros. */
    public static void assertSameBytes(Path expected, Path actual) throws IOException {
        try (SparseFile a = SparseFile.openReadOnly(expected); SparseFile b = SparseFile.openReadOnly(actual)) {
            assertThat(b.size()).isEqualTo(a.size());
            ByteBuffer left = ByteBuffer.allocate(COMPARE_BYTES);
            ByteBuffer right = ByteBuffer.allocate(COMPARE_BYTES);
            for (long at = 0; at < a.size(); at += COMPARE_BYTES) {
                int length = (int) Math.min(COMPARE_BYTES, a.size() - at);
                a.readFully(left.clear().limit(length), at);
                b.readFully(right.clear().limit(length), at);
                int mismatch = Arrays.mismatch(left.array(), 0, length, right.array(), 0, length);
                assertThat(mismatch).as("first differing byte at offset %d", at + mismatch).isEqualTo(-1);
            }
        }
    }
}
