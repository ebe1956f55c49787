package io.datamover.cli.demo;

import io.datamover.disk.SparseFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The demo's protected disk: a sparse image with some data already on it, scattered as a used disk's is, so that
 * the initial sync has something to copy (and many holes to skip).
 */
final class DemoDisk {
    static final int EXISTING_CHUNK = 1 << 20;

    private DemoDisk() {}

    /** Creates {@code path} with {@code sizeBytes}, of which {@code existingBytes} (whole MiB) already hold data. */
    static void create(Path path, long sizeBytes, long existingBytes) throws IOException {
        SplittableRandom random = new SplittableRandom(11);
        BlockContent content = new BlockContent(13);
        byte[] block = new byte[BuiltinNbdWriter.BLOCK];
        long chunks = sizeBytes / EXISTING_CHUNK;
        try (SparseFile disk = SparseFile.create(path, sizeBytes)) {
            for (long written = 0; written < existingBytes; written += EXISTING_CHUNK) {
                long chunk = random.nextLong(chunks) * EXISTING_CHUNK;
                for (int at = 0; at < EXISTING_CHUNK; at += block.length) {
                    content.fill(block);
                    disk.writeFully(ByteBuffer.wrap(block), chunk + at);
                }
            }
            disk.fdatasync();
        }
    }
}
