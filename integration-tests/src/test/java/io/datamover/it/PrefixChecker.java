package io.datamover.it;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides whether a replica image equals the initial image plus the first K acknowledged writes of a
 * {@link WriteLog}, for some K: prefix consistency (docs/architecture.md, "Invariants and where they live", 1), seen
 * from the guest.
 *
 * <p>It digests the replica's 4 KiB blocks once, then replays the log from K = 0, updating only the blocks write
 * K touches and a running count of blocks whose expected digest differs from the replica's: the replica is a
 * prefix exactly when that count is 0 for some K. Holes and written zeros digest alike, as they read alike.
 *
 * <p>It assumes the log holds every write the replica may hold, in the order the source acknowledged them (one
 * request in flight at a time), and that a write that was not acknowledged was sent again until it was (so the
 * log records it once, at the place where it was acknowledged, and an earlier application of the same bytes is
 * indistinguishable from it).
 */
final class PrefixChecker {
    private static final int MAX_LISTED = 10;

    /**
     * What the checker found.
     *
     * @param prefix the largest K with replica == initial + writes 1..K, or -1 when there is none
     * @param closest when there is none: the K with the fewest differing blocks
     * @param differingBlocks when there is none: the first differing block numbers at {@code closest}
     * @param writes how many writes the log held
     */
    record Result(long prefix, long closest, List<Long> differingBlocks, int writes) {
        boolean consistent() {
            return prefix >= 0;
        }

        boolean complete() {
            return prefix == writes;
        }

        String describe() {
            return consistent() ? "prefix of " + prefix + " of " + writes + " writes"
                    : "NOT a prefix of the " + writes + " writes: closest K=" + closest + ", differing 4 KiB blocks "
                            + differingBlocks;
        }
    }

    private PrefixChecker() {}

    static Result check(Path initial, Path replica, List<WriteLog.Write> writes) throws IOException {
        long[] expected = blockDigests(initial);
        long[] actual = blockDigests(replica);
        if (expected.length != actual.length) {
            throw new AssertionError("the replica has " + actual.length + " blocks, the initial image " + expected.length);
        }
        long[] start = expected.clone();
        int mismatches = 0;
        for (int b = 0; b < expected.length; b++) {
            if (expected[b] != actual[b]) {
                mismatches++;
            }
        }
        long prefix = mismatches == 0 ? 0 : -1;
        long closest = 0;
        int fewest = mismatches;
        for (WriteLog.Write w : writes) {
            long first = w.firstBlock();
            long[] digests = w.blockDigests();
            for (int j = 0; j < digests.length; j++) {
                int b = Math.toIntExact(first + j);
                boolean wasWrong = expected[b] != actual[b];
                expected[b] = digests[j];
                boolean isWrong = expected[b] != actual[b];
                mismatches += (isWrong ? 1 : 0) - (wasWrong ? 1 : 0);
            }
            if (mismatches == 0) {
                prefix = w.index();
            }
            if (mismatches < fewest) {
                fewest = mismatches;
                closest = w.index();
            }
        }
        if (prefix >= 0) {
            return new Result(prefix, prefix, List.of(), writes.size());
        }
        return new Result(-1, closest, differing(start, actual, writes, closest), writes.size());
    }

    /** Replays the first {@code k} writes again to list where the replica differs from that image. */
    private static List<Long> differing(long[] image, long[] actual, List<WriteLog.Write> writes, long k) {
        for (WriteLog.Write w : writes.subList(0, Math.toIntExact(k))) {
            System.arraycopy(w.blockDigests(), 0, image, Math.toIntExact(w.firstBlock()), w.blockDigests().length);
        }
        List<Long> blocks = new ArrayList<>();
        for (int b = 0; b < image.length && blocks.size() < MAX_LISTED; b++) {
            if (image[b] != actual[b]) {
                blocks.add((long) b);
            }
        }
        return blocks;
    }

    /** The digest of every 4 KiB block of the file (its size a multiple of 4 KiB); holes read as zeros. */
    static long[] blockDigests(Path image) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size % WriteLog.BLOCK != 0) {
                throw new IllegalArgumentException(image + " is not a whole number of 4 KiB blocks: " + size);
            }
            long[] digests = new long[Math.toIntExact(size / WriteLog.BLOCK)];
            ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
            for (long at = 0; at < size; at += chunk.capacity()) {
                chunk.clear().limit((int) Math.min(chunk.capacity(), size - at));
                while (chunk.hasRemaining()) {
                    if (ch.read(chunk, at + chunk.position()) < 0) {
                        throw new IOException(image + " ended early at " + (at + chunk.position()));
                    }
                }
                chunk.flip();
                for (int b = 0; chunk.hasRemaining(); b++) {
                    ByteBuffer block = chunk.slice(chunk.position(), WriteLog.BLOCK);
                    digests[Math.toIntExact(at / WriteLog.BLOCK) + b] = isZero(block) ? WriteLog.ZERO_BLOCK
                            : WriteLog.blockDigest(block);
                    chunk.position(chunk.position() + WriteLog.BLOCK);
                }
            }
            return digests;
        }
    }

    private static boolean isZero(ByteBuffer block) {
        for (int i = 0; i < block.limit(); i += 8) {
            if (block.getLong(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
