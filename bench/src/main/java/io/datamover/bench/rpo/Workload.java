package io.datamover.bench.rpo;

import java.util.ArrayList;
import java.util.List;

/**
 * What the guest writes during one phase, as one fio job on the NBD export: random writes of {@code blockSize}
 * over the whole disk, each buffer refilled and {@code compressiblePercent} compressible (fio fills that share of
 * every buffer with a repeated pattern and the rest with random bytes), so every write is as compressible as the
 * next and LZ4 sees mixed data rather than all-zero or all-random blocks.
 *
 * @param rateBytesPerSecond fio's {@code --rate}; 0 writes as fast as the tap accepts
 */
public record Workload(int seconds, int blockSize, int compressiblePercent, int ioDepth, long rateBytesPerSecond) {

    public Workload {
        if (seconds < 1 || blockSize < 512 || ioDepth < 1 || rateBytesPerSecond < 0) {
            throw new IllegalArgumentException("bad workload: " + seconds + " s, bs " + blockSize + ", depth " + ioDepth
                    + ", rate " + rateBytesPerSecond);
        }
    }

    public Workload throttledTo(long bytesPerSecond) {
        return new Workload(seconds, blockSize, compressiblePercent, ioDepth, bytesPerSecond);
    }

    /** The fio command line writing this workload to {@code nbdUri}, a disk of {@code diskBytes}. */
    List<String> fioCommand(String nbdUri, long diskBytes) {
        List<String> cmd = new ArrayList<>(List.of("fio", "--name=guest", "--ioengine=nbd", "--uri=" + nbdUri,
                "--rw=randwrite", "--bs=" + blockSize, "--size=" + diskBytes, "--iodepth=" + ioDepth,
                "--time_based", "--runtime=" + seconds, "--refill_buffers",
                "--buffer_compress_percentage=" + compressiblePercent, "--randrepeat=0", "--output-format=json"));
        if (rateBytesPerSecond > 0) {
            cmd.add("--rate=" + rateBytesPerSecond);
        }
        return cmd;
    }
}
