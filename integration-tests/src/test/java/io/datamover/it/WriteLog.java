package io.datamover.it;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The writes a guest had acknowledged, in the order it got the acknowledgements: write {@code i} (from 1) with
 * its offset and the digest of each 4 KiB block it left behind (zeros for WRITE_ZEROES and TRIM). Offsets and
 * lengths are multiples of {@link #BLOCK}. Thread-safe: the workload appends while the checker reads a snapshot.
 */
final class WriteLog {
    static final int BLOCK = 4096;
    /** The digest of a block of zeros: what a hole, a TRIM and a WRITE_ZEROES leave. */
    static final long ZERO_BLOCK = blockDigest(ByteBuffer.allocate(BLOCK));

    /** One acknowledged write: {@code blockDigests[j]} is the content of block {@code offset / BLOCK + j}. */
    record Write(int index, long offset, long[] blockDigests) {
        long firstBlock() {
            return offset / BLOCK;
        }

        int length() {
            return blockDigests.length * BLOCK;
        }
    }

    private final List<Write> writes = new ArrayList<>();

    /** Records the next acknowledged write of {@code data[0, length)} at {@code offset}. */
    synchronized Write data(long offset, byte[] data, int length) {
        checkAligned(offset, length);
        long[] digests = new long[length / BLOCK];
        for (int j = 0; j < digests.length; j++) {
            digests[j] = blockDigest(ByteBuffer.wrap(data, j * BLOCK, BLOCK));
        }
        return append(offset, digests);
    }

    /** Records the next acknowledged WRITE_ZEROES or TRIM (both read back as zeros). */
    synchronized Write zeros(long offset, int length) {
        checkAligned(offset, length);
        long[] digests = new long[length / BLOCK];
        Arrays.fill(digests, ZERO_BLOCK);
        return append(offset, digests);
    }

    private Write append(long offset, long[] digests) {
        Write w = new Write(writes.size() + 1, offset, digests);
        writes.add(w);
        return w;
    }

    synchronized List<Write> snapshot() {
        return List.copyOf(writes);
    }

    synchronized int size() {
        return writes.size();
    }

    private static void checkAligned(long offset, int length) {
        if (offset % BLOCK != 0 || length % BLOCK != 0 || length <= 0) {
            throw new IllegalArgumentException("write [" + offset + ", +" + length + ") is not in whole 4 KiB blocks");
        }
    }

    /** The first 8 bytes of the block's SHA-256: collisions are out of reach at these counts. */
    static long blockDigest(ByteBuffer block) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(block);
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
