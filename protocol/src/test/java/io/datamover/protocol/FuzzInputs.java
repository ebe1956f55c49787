package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * What the fuzz tests of every module share: inputs are a chunking byte then a byte stream, fed to an
 * {@link EmbeddedChannel} in the chunks that byte picks, and seeds are written as files of the test's corpus.
 */
public final class FuzzInputs {
    private FuzzInputs() {}

    /**
     * Writes {@code stream} into {@code channel} in chunks chosen by {@code chunking} until it is all written or
     * the channel closes: 0 writes it whole, any other value n splits it into pseudo-random chunks of 1 to n bytes
     * (seeded by n, so an input always replays the same way). Buffers come from the channel's allocator.
     */
    public static void writeInChunks(EmbeddedChannel channel, byte[] stream, int chunking) {
        SplittableRandom chunks = new SplittableRandom(chunking);
        for (int at = 0; at < stream.length && channel.isOpen(); ) {
            int n = chunking == 0 ? stream.length : Math.min(stream.length - at, chunks.nextInt(1, chunking + 1));
            channel.writeInbound(channel.alloc().buffer(n).writeBytes(stream, at, n));
            at += n;
        }
    }

    /** A fuzz input: the chunking byte, then {@code stream}. */
    public static byte[] prefixed(int chunking, byte[] stream) {
        byte[] out = new byte[stream.length + 1];
        out[0] = (byte) chunking;
        System.arraycopy(stream, 0, out, 1, stream.length);
        return out;
    }

    /** The bytes {@code writer} puts into a fresh buffer. */
    public static byte[] bytes(Consumer<ByteBuf> writer) {
        ByteBuf b = Unpooled.buffer();
        try {
            writer.accept(b);
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    /** Writes each seed as {@code dir/seed-<name>}, the layout Jazzer's regression mode reads. */
    public static void writeSeeds(Path dir, Map<String, byte[]> seeds) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
            Files.write(dir.resolve("seed-" + e.getKey()), e.getValue());
        }
    }
}
