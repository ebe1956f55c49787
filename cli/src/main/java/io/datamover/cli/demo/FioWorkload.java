package io.datamover.cli.demo;

import io.datamover.cli.Executables;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** fio as the guest: random 64 KiB writes of half-compressible data at a steady rate, through NBD. */
final class FioWorkload implements Workload {
    private final long diskBytes;
    private final int seconds;
    private final int rateMiBs;
    private final Path log;
    private Process fio;

    FioWorkload(long diskBytes, int seconds, int rateMiBs, Path log) {
        this.diskBytes = diskBytes;
        this.seconds = seconds;
        this.rateMiBs = rateMiBs;
        this.log = log;
    }

    static boolean installed() {
        return Executables.onPath("fio");
    }

    @Override
    public String description() {
        return String.format("fio: random 64 KiB writes, half-compressible data, %d MiB/s, %d s", rateMiBs, seconds);
    }

    @Override
    public void start(String nbdUri) throws IOException {
        fio = new ProcessBuilder(List.of("fio", "--name=demo-guest", "--ioengine=nbd", "--uri=" + nbdUri,
                "--rw=randwrite", "--bs=64k", "--iodepth=8", "--size=" + diskBytes, "--time_based",
                "--runtime=" + seconds, "--rate=" + rateMiBs + "m", "--buffer_compress_percentage=50",
                "--refill_buffers"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Override
    public boolean finished() {
        return !fio.isAlive();
    }

    @Override
    public String failure() {
        if (fio.isAlive() || fio.exitValue() == 0) {
            return "";
        }
        return "fio exited with status " + fio.exitValue() + " (see " + log + ")";
    }

    @Override
    public void close() {
        if (fio != null && fio.isAlive()) {
            fio.destroy();
        }
    }
}
