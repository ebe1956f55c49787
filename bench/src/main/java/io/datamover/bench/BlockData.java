package io.datamover.bench;

import io.datamover.cli.demo.BlockContent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** Block contents for the benchmarks, from the demo's {@link BlockContent} (same mix as the demo disk). */
public enum BlockData {
    /** Incompressible: compressed or encrypted data. */
    RANDOM,
    /** Text-like: logs, configuration. */
    TEXT,
    /** All zeros: never-written or freed blocks. */
    ZERO,
    /** 4 KiB pieces of the three, in the demo disk's proportions (1 zero : 2 text : 2 random). */
    MIXED;

    /** The granularity of {@link #MIXED}: a file-system block. */
    public static final int PIECE_BYTES = 4096;

    /** {@code length} bytes of this content, the same for the same seed. */
    public byte[] bytes(int length, long seed) {
        BlockContent content = new BlockContent(seed);
        byte[] out = new byte[length];
        switch (this) {
            case RANDOM -> content.fill(out, BlockContent.Kind.RANDOM);
            case TEXT -> content.fill(out, BlockContent.Kind.TEXT);
            case ZERO -> content.fill(out, BlockContent.Kind.ZERO);
            case MIXED -> {
                byte[] piece = new byte[PIECE_BYTES];
                for (int at = 0; at < length; at += PIECE_BYTES) {
                    content.fill(piece);
                    System.arraycopy(piece, 0, out, at, Math.min(PIECE_BYTES, length - at));
                }
            }
        }
        return out;
    }

    /** The same bytes in a direct buffer, as payloads arrive from a socket; the caller releases it. */
    public ByteBuf directBuffer(int length, long seed) {
        return Unpooled.directBuffer(length, length).writeBytes(bytes(length, seed));
    }
}
