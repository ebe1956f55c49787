package io.datamover.bench;

import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * LZ4 as the batch body path uses it ({@code BatchBodies}: {@code fastestInstance()}, the fast compressor, the
 * safe decompressor, direct buffers) on one block of each content. The secondary result {@code megabytes} is
 * the uncompressed MB/s; the ratio (uncompressed / compressed) is printed once per trial, as "lz4 ratio".
 */
public class Lz4Benchmark extends HotPathBenchmark {
    private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();

    @Param({"65536", "1048576"})
    int blockBytes;

    @Param({"RANDOM", "TEXT", "ZERO", "MIXED"})
    BlockData content;

    private final LZ4Compressor compressor = LZ4.fastCompressor();
    private final LZ4SafeDecompressor decompressor = LZ4.safeDecompressor();
    private ByteBuffer plain;
    private ByteBuffer compressed;
    private int compressedLength;
    private ByteBuffer out;

    @Setup(Level.Trial)
    public void setUp() {
        plain = ByteBuffer.allocateDirect(blockBytes).put(content.bytes(blockBytes, 1)).flip();
        int bound = compressor.maxCompressedLength(blockBytes);
        compressed = ByteBuffer.allocateDirect(bound);
        compressedLength = compressor.compress(plain, 0, blockBytes, compressed, 0, bound);
        out = ByteBuffer.allocateDirect(blockBytes);
        int n = decompressor.decompress(compressed, 0, compressedLength, out, 0, blockBytes);
        if (n != blockBytes || !out.clear().equals(plain.clear())) {
            throw new IllegalStateException("LZ4 round trip of " + content + " changed the block");
        }
        System.out.printf("lz4 ratio %s %d: %.2f (%d -> %d bytes)%n", content, blockBytes,
                (double) blockBytes / compressedLength, blockBytes, compressedLength);
    }

    @Benchmark
    public int compress(ByteRate rate) {
        rate.add(blockBytes);
        return compressor.compress(plain, 0, blockBytes, compressed, 0, compressed.capacity());
    }

    @Benchmark
    public int decompress(ByteRate rate) {
        rate.add(blockBytes);
        return decompressor.decompress(compressed, 0, compressedLength, out, 0, blockBytes);
    }
}
