package io.datamover.cli.demo;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Block contents with the compressibility mix of real disks: zero blocks, text-like blocks
 * (logs, configuration), and random blocks (compressed or encrypted data). Public for the
 * benchmarks, which feed the same contents to LZ4, the batch path and the applier.
 */
public final class BlockContent {
    private static final byte[] WORDS = ("the quick replica lags but is always crash consistent; journal batch "
            + "coalesce compress ship apply fsync seq offset length disk group failover failback ")
            .getBytes(StandardCharsets.US_ASCII);

    /** One kind of block. */
    public enum Kind {
        ZERO,
        TEXT,
        RANDOM
    }

    private final SplittableRandom random;

    public BlockContent(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Fills {@code block}: a fifth of the time zeros, two fifths text-like, two fifths random. */
    public void fill(byte[] block) {
        int pick = random.nextInt(5);
        fill(block, pick == 0 ? Kind.ZERO : pick <= 2 ? Kind.TEXT : Kind.RANDOM);
    }

    /** Fills {@code block} with one kind of content. */
    public void fill(byte[] block, Kind kind) {
        switch (kind) {
            case ZERO -> Arrays.fill(block, (byte) 0);
            case TEXT -> {
                for (int i = 0; i < block.length; i++) {
                    block[i] = WORDS[(i + random.nextInt(4)) % WORDS.length];
                }
            }
            case RANDOM -> random.nextBytes(block);
        }
    }
}
