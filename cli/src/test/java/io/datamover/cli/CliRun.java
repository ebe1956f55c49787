package io.datamover.cli;

import io.datamover.applier.Applier;
import io.datamover.applier.Provisioning;
import io.datamover.applier.ReplicaSet;
import io.datamover.applier.ReplicaSetConfig;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.RecordKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/** Runs {@code datamover} commands in this JVM, keeping what they print; for the commands' tests. */
final class CliRun {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    /** {@code datamover args...}; its exit status. */
    int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** Group 12 of pair-a: one 1 MiB disk, "system" (id 1). */
    static final ReplicaSetConfig ONE_DISK_GROUP = new ReplicaSetConfig("pair-a", 12,
            List.of(new DiskInfo(1, "system", 1024 * 1024, 4096)), Provisioning.THIN);

    /** The replica set of {@link #ONE_DISK_GROUP} in {@code set}, synced to seq 3 (a block of 7 at 0): consistent. */
    static void syncedReplicaSet(Path set) throws Exception {
        try (ReplicaSet replicas = ReplicaSet.open(set, ONE_DISK_GROUP)) {
            new Applier(replicas, new SimpleMeterRegistry()).apply(1, 3, List.of(
                    BlockWrite.marker(1, 1, RecordKind.SYNC_BEGIN), block(2, 0, 7),
                    BlockWrite.marker(3, 1, RecordKind.SYNC_END)));
        }
    }

    /** A 4 KiB write of disk 1 filled with {@code value}. */
    static BlockWrite block(long seq, long offset, int value) {
        byte[] bytes = new byte[4096];
        Arrays.fill(bytes, (byte) value);
        return BlockWrite.data(seq, 1, offset, Unpooled.wrappedBuffer(bytes));
    }
}
