package io.datamover.bench.rpo;

import io.datamover.disk.Extent;
import io.datamover.disk.SparseFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Whether a replica holds the same bytes as its source, reading only data: every data extent of either file is
 * compared with the same range of the other (a hole reads as zeros), so a 4 GiB disk with little data is checked
 * in the time its data takes to read.
 */
public final class ReplicaCheck {
    private static final int CHUNK = 1 << 20;

    /** {@code firstDifference} is -1 when the files match; {@code comparedBytes} counts both passes. */
    public record Result(boolean matches, long comparedBytes, long firstDifference, String problem) {
        static Result differsAt(long offset) {
            return new Result(false, 0, offset, "first difference at byte " + offset);
        }
    }

    private ReplicaCheck() {}

    static Result compare(Path source, Path replica) throws IOException {
        try (SparseFile a = SparseFile.openReadOnly(source); SparseFile b = SparseFile.openReadOnly(replica)) {
            if (a.size() != b.size()) {
                return new Result(false, 0, Math.min(a.size(), b.size()),
                        "sizes differ: source " + a.size() + ", replica " + b.size());
            }
            ByteBuffer x = ByteBuffer.allocateDirect(CHUNK);
            ByteBuffer y = ByteBuffer.allocateDirect(CHUNK);
            long compared = 0;
            for (SparseFile[] pass : new SparseFile[][] {{a, b}, {b, a}}) {
                for (Extent extent : pass[0].dataExtents(0, a.size())) {
                    long difference = firstDifference(pass[0], pass[1], extent, x, y);
                    if (difference >= 0) {
                        return Result.differsAt(difference);
                    }
                    compared += extent.length();
                }
            }
            return new Result(true, compared, -1, "");
        }
    }

    private static long firstDifference(SparseFile one, SparseFile other, Extent extent, ByteBuffer x, ByteBuffer y)
            throws IOException {
        for (long at = extent.offset(); at < extent.offset() + extent.length(); at += CHUNK) {
            int n = (int) Math.min(CHUNK, extent.offset() + extent.length() - at);
            x.clear().limit(n);
            y.clear().limit(n);
            one.readFully(x, at);
            other.readFully(y, at);
            int mismatch = x.flip().mismatch(y.flip());
            if (mismatch >= 0) {
                return at + mismatch;
            }
        }
        return -1;
    }
}
