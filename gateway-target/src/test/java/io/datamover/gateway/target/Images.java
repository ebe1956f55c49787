package io.datamover.gateway.target;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.disk.SparseFile;
import io.datamover.protocol.Batch;
import io.datamover.protocol.BatchBodies;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.Compression;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.RecordKind;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The replica images a test expects, kept in memory and changed by the same entries the test ships; builds the
 * batches and compares whole replica files with the model.
 */
final class Images {
    static final int MIB = 1024 * 1024;
    static final int BLOCK = 4096;
    static final List<DiskInfo> DISKS = List.of(new DiskInfo(1, "system", 4 * MIB, BLOCK),
            new DiskInfo(2, "data", 2 * MIB, BLOCK));
    /** Slack for file-system metadata blocks that st_blocks counts. */
    private static final long FS_METADATA_SLACK = 64 * 1024;

    private final Map<Integer, byte[]> images = new HashMap<>();
    private final Random random = new Random(42);

    Images() {
        for (DiskInfo d : DISKS) {
            images.put(d.id(), new byte[Math.toIntExact(d.sizeBytes())]);
        }
    }

    /** Random (incompressible) bytes. */
    byte[] random(int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    /** Bytes LZ4 compresses well. */
    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) ((i / 512) * 7 + seed);
        }
        return b;
    }

    static BlockWrite data(long seq, int disk, long offset, byte[] bytes) {
        return BlockWrite.data(seq, disk, offset, Unpooled.wrappedBuffer(bytes));
    }

    static BlockWrite zero(long seq, int disk, long offset, int length) {
        return BlockWrite.range(seq, disk, offset, length, RecordKind.ZERO);
    }

    static BlockWrite trim(long seq, int disk, long offset, int length) {
        return BlockWrite.range(seq, disk, offset, length, RecordKind.TRIM);
    }

    static BlockWrite marker(long seq, int disk, RecordKind kind) {
        return BlockWrite.marker(seq, disk, kind);
    }

    /**
     * A batch frame of {@code entries} (released here); the model takes the entries when {@code applies}.
     */
    Batch batch(int cg, long first, long last, Compression compression, boolean applies, List<BlockWrite> entries) {
        try {
            if (applies) {
                entries.forEach(this::apply);
            }
            BatchBodies.Body body = BatchBodies.build(entries, compression == Compression.LZ4, ByteBufAllocator.DEFAULT);
            assertThat(body.compression()).as("body compression").isEqualTo(compression);
            return BatchBodies.frame(cg, first, last, entries.size(), 1_000, 2_000, body);
        } finally {
            entries.forEach(BlockWrite::release);
        }
    }

    /** A batch the model takes. */
    Batch batch(int cg, long first, long last, Compression compression, List<BlockWrite> entries) {
        return batch(cg, first, last, compression, true, entries);
    }

    private void apply(BlockWrite e) {
        byte[] image = images.get(e.disk());
        switch (e.kind()) {
            case DATA -> e.payload().getBytes(e.payload().readerIndex(), image, (int) e.offset(), e.length());
            case ZERO, TRIM -> java.util.Arrays.fill(image, (int) e.offset(), (int) e.endOffset(), (byte) 0);
            case SYNC_BEGIN, SYNC_END -> { }
        }
    }

    /** Every replica file equals its model byte for byte, and holds no more allocated blocks than data. */
    void assertReplicasMatch(Path replicaDir) throws IOException {
        for (DiskInfo d : DISKS) {
            byte[] expected = images.get(d.id());
            assertThat(allocatedBytes(replicaDir, d)).as("allocated bytes of %s", d.name())
                    .isLessThanOrEqualTo(dataBlocks(expected) * BLOCK + FS_METADATA_SLACK);
        }
    }

    /** The replicas hold the model's bytes and are thick: every block allocated. */
    void assertThickReplicasMatch(Path replicaDir) throws IOException {
        for (DiskInfo d : DISKS) {
            assertThat(allocatedBytes(replicaDir, d)).as("allocated bytes of %s", d.name())
                    .isBetween(d.sizeBytes(), d.sizeBytes() + FS_METADATA_SLACK);
        }
    }

    /** Checks the replica of {@code disk} holds the model's bytes and returns its allocated bytes. */
    private long allocatedBytes(Path replicaDir, DiskInfo disk) throws IOException {
        Path file = replicaDir.resolve(disk.name() + ".img");
        assertThat(Files.readAllBytes(file)).as("replica %s", disk.name()).isEqualTo(images.get(disk.id()));
        try (SparseFile sparse = SparseFile.openReadOnly(file)) {
            return sparse.allocatedBytes();
        }
    }

    private static long dataBlocks(byte[] image) {
        long blocks = 0;
        for (int at = 0; at < image.length; at += BLOCK) {
            for (int i = at; i < at + BLOCK; i++) {
                if (image[i] != 0) {
                    blocks++;
                    break;
                }
            }
        }
        return blocks;
    }
}
