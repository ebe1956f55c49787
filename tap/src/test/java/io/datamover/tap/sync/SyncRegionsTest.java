package io.datamover.tap.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.disk.SparseFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyncRegionsTest {
    private static final int REGION = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    void aGrownDiskMarksOnlyTheRegionsOfItsNewPartThatHoldData() throws Exception {
        long oldSize = 10L * REGION + 4096; // the old end inside region 10
        try (SparseFile image = SparseFile.create(dir.resolve("disk.img"), oldSize)) {
            image.writeFully(ByteBuffer.wrap(new byte[] {1}), 3L * REGION); // old part: not asked about
            image.setSize(40L * REGION); // a plain growth: a hole
            assertThat(SyncRegions.allocatedFrom(image, oldSize, REGION).isEmpty()).isTrue();

            image.writeFully(ByteBuffer.wrap(new byte[] {2}), oldSize + 8192); // new part of region 10
            image.writeFully(ByteBuffer.wrap(new byte[] {3}), 30L * REGION + 5);
            assertThat(SyncRegions.allocatedFrom(image, oldSize, REGION).stream()).containsExactly(10, 30);
            assertThat(SyncRegions.toMarkDirty(image, REGION, InitialSync.AUTO).stream())
                    .as("the initial sync's: every region with data, and the witness").containsExactly(0, 3, 10, 30);
        }
    }
}
