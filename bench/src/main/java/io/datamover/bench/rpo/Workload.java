package io.datamover.bench.rpo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the guest does during one phase, as one fio job on the NBD export: random I/O of {@code blockSize} over the
 * whole disk, each write buffer refilled and {@code compressiblePercent} compressible (fio fills that share of
 * every buffer with a repeated pattern and the rest with random bytes), so every write is as compressible as the
 * next and LZ4 sees mixed data rather than all-zero or all-random blocks.
 *
 * @param rateBytesPerSecond fio's {@code --rate}, the writes' (and the reads') cap; 0 is as fast as the tap goes
 * @param readPercent fio's {@code --rwmixread}: the share of reads mixed in; 0 writes only
 * @param zipfTheta fio's {@code --random_distribution=zipf:THETA}, a hot set that takes most writes (1.2 puts
 *     about half of them on 1% of the blocks); 0 spreads them uniformly
 * @param ioLimitBytes fio's {@code --io_size}: stop after this much I/O even before {@code seconds}; 0 runs for
 *     {@code seconds}
 */
public record Workload(int seconds, int blockSize, int compressiblePercent, int ioDepth, long rateBytesPerSecond,
        int readPercent, double zipfTheta, long ioLimitBytes) {

    public Workload {
        if (seconds < 1 || blockSize < 512 || ioDepth < 1 || rateBytesPerSecond < 0 || readPercent < 0
                || readPercent > 99 || zipfTheta < 0 || ioLimitBytes < 0) {
            throw new IllegalArgumentException("bad workload: " + seconds + " s, bs " + blockSize + ", depth " + ioDepth
                    + ", rate " + rateBytesPerSecond + ", reads " + readPercent + "%, zipf " + zipfTheta
                    + ", io limit " + ioLimitBytes);
        }
    }

    /** Random writes only, uniformly spread, for {@code seconds}. */
    public Workload(int seconds, int blockSize, int compressiblePercent, int ioDepth, long rateBytesPerSecond) {
        this(seconds, blockSize, compressiblePercent, ioDepth, rateBytesPerSecond, 0, 0, 0);
    }

    public Workload throttledTo(long bytesPerSecond) {
        return new Workload(seconds, blockSize, compressiblePercent, ioDepth, bytesPerSecond, readPercent, zipfTheta,
                ioLimitBytes);
    }

    /** The same I/O unthrottled until {@code bytes} were done (or {@code maxSeconds} passed): a burst. */
    public Workload burst(long bytes, int maxSeconds) {
        return new Workload(maxSeconds, blockSize, compressiblePercent, ioDepth, 0, readPercent, zipfTheta, bytes);
    }

    /** The fio command line doing this workload on {@code nbdUri}, a disk of {@code diskBytes}. */
    List<String> fioCommand(String nbdUri, long diskBytes) {
        List<String> cmd = new ArrayList<>(List.of("fio", "--name=guest", "--ioengine=nbd", "--uri=" + nbdUri,
                readPercent == 0 ? "--rw=randwrite" : "--rw=randrw", "--bs=" + blockSize, "--size=" + diskBytes,
                "--iodepth=" + ioDepth, "--runtime=" + seconds, "--refill_buffers",
                "--buffer_compress_percentage=" + compressiblePercent, "--randrepeat=0", "--output-format=json"));
        cmd.add(ioLimitBytes == 0 ? "--time_based" : "--io_size=" + ioLimitBytes);
        if (readPercent > 0) {
            cmd.add("--rwmixread=" + readPercent);
        }
        if (zipfTheta > 0) {
            cmd.add(String.format(Locale.ROOT, "--random_distribution=zipf:%s", zipfTheta));
        }
        if (rateBytesPerSecond > 0) {
            // One value caps reads and writes each; the mix keeps reads below the cap.
            cmd.add("--rate=" + rateBytesPerSecond);
        }
        return cmd;
    }
}
