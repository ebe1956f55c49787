package io.datamover.tap.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.disk.SparseFile;
import io.datamover.protocol.RecordKind;
import io.datamover.tap.sender.TestGatewayReceiver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Replays received records onto an empty sparse file, as the target's applier would, and compares disks. */
public final class ReplicaReplay {

    private static final int COMPARE_BYTES = 1 << 20;

    private ReplicaReplay() {
    }

    /** A new sparse file of {@code sizeBytes} with {@code disk}'s records applied in order (zeros become holes). */
    public static Path replay(Path replica, long sizeBytes, int disk, List<TestGatewayReceiver.Received> records)
            throws IOException {
        try (SparseFile file = SparseFile.create(replica, sizeBytes)) {
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
