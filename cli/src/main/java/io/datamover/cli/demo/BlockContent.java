package io.datamover.cli.demo;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
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

    /** Fills {@code length} bytes: a fifth zeros, two fifths text-like, two fifths random. */
    void fill(ByteBuf out, int length) {
        int pick = random.nextInt(5);
        if (pick == 0) {
            out.writeZero(length);
        } else if (pick <= 2) {
            for (int i = 0; i < length; i++) {
                out.writeByte(WORDS[(i + random.nextInt(4)) % WORDS.length]);
            }
        } else {
            for (int i = 0; i < length; i += 8) {
                long v = random.nextLong();
                for (int b = 0; b < 8 && i + b < length; b++) {
                    out.writeByte((int) (v >>> (8 * b)));
                }
            }
        }
    }
}
