package io.datamover.bench.link;

import io.netty.buffer.ByteBuf;
import java.util.SplittableRandom;

/**
 * Flips bytes of one direction of the link while a {@link LinkSpec.Corruption} is under way: about one byte in
 * every {@code everyBytes} relayed (a seeded gap of 1 to 2 x {@code everyBytes}), XORed with a seeded non-zero
 * value, at most {@code maxFlips} bytes, until the corruption's length has passed. Damage above TCP, as a faulty
 * NIC, middlebox or memory would do it: TCP's own checksum does not see it. One per direction, shared by every
 * connection like the link itself; event loop only.
 */
final class ByteCorrupter {
    private SplittableRandom random;
    private long everyBytes;
    private long flipsLeft;
    private long untilNanos;
    /** Bytes still to pass before the next flip. */
    private long gap;
    private long flipped;

    /** Starts (or replaces) a corruption from now on. */
    void start(LinkSpec.Corruption c) {
        random = new SplittableRandom(c.seed());
        everyBytes = c.everyBytes();
        flipsLeft = c.maxFlips();
        untilNanos = System.nanoTime() + c.length().toNanos();
        gap = nextGap();
    }

    boolean active() {
        return random != null && flipsLeft > 0 && untilNanos - System.nanoTime() > 0;
    }

    /** Bytes flipped so far. */
    long flipped() {
        return flipped;
    }

    /** Flips the due bytes of {@code bytes}' readable part, in place. */
    void apply(ByteBuf bytes) {
        if (!active()) {
            return;
        }
        int n = bytes.readableBytes();
        long at = gap;
        while (at < n && flipsLeft > 0) {
            int index = bytes.readerIndex() + (int) at;
            bytes.setByte(index, bytes.getByte(index) ^ (1 + random.nextInt(255)));
            flipped++;
            flipsLeft--;
            at += 1 + nextGap();
        }
        gap = at - n;
    }

    private long nextGap() {
        return random.nextLong(2 * everyBytes);
    }
}
