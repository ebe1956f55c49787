package io.datamover.cli.demo;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Block contents with the compressibility mix of real disks: zero blocks, text-like blocks
 * (logs, configuration), and random blocks (compressed or encrypted data).
 */
final class BlockContent {
    private static final byte[] WORDS = ("the quick replica lags but is always crash consistent; journal batch "
            + "coalesce compress ship apply fsync seq offset length disk group failover failback ")
            .getBytes(StandardCharsets.US_ASCII);

    private final SplittableRandom random;

    BlockContent(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Fills {@code block}: a fifth of the time zeros, two fifths text-like, two fifths random. */
    void fill(byte[] block) {
        int pick = random.nextInt(5);
        if (pick == 0) {
            Arrays.fill(block, (byte) 0);
        } else if (pick <= 2) {
            for (int i = 0; i < block.length; i++) {
                block[i] = WORDS[(i + random.nextInt(4)) % WORDS.length];
            }
        } else {
            random.nextBytes(block);
        }
    }
}
