package io.datamover.tap;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.disk.SparseFile;
import io.datamover.tap.support.TapTestBase;
import io.datamover.tap.support.Tools;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** nbdcopy copies a sparse image into the tap and holes stay holes; nbdinfo --map sees them through BLOCK_STATUS. */
class SparseCopyTest extends TapTestBase {

    private static final int MIB = 1 << 20;
    private static final long SIZE = 64L * MIB;
    private static final Duration DEADLINE = Duration.ofSeconds(120);


    @BeforeEach
    void start() throws Exception {
        fixture.serve(fixture.config(), SIZE, "target");
    }

    @Test
    void nbdcopyKeepsHolesAndNbdinfoMapsThem() throws Exception {
        Tools.assumeInstalled("nbdcopy");
        Tools.assumeInstalled("nbdinfo");
        Path source = dir.resolve("source.img");
        try (SparseFile file = SparseFile.create(source, SIZE)) {
            Random random = new Random(42);
            writeRandom(file, 0, 2 * MIB, random);
            writeRandom(file, 10L * MIB, 3 * MIB, random);
            writeRandom(file, 40L * MIB + 4096, MIB, random);
            writeRandom(file, SIZE - MIB, MIB, random);
            file.fdatasync();
        }

        Tools.Result copy = Tools.run(DEADLINE, "nbdcopy", source.toString(), fixture.uri("target"));
        assertThat(copy.exitCode()).as(copy.output()).isZero();

        assertThat(Arrays.equals(fixture.contents("target"), java.nio.file.Files.readAllBytes(source)))
                .as("same bytes").isTrue();
        try (SparseFile src = SparseFile.openReadOnly(source);
                SparseFile dst = SparseFile.openReadOnly(dir.resolve("target.img"))) {
            assertThat(dst.allocatedBytes()).as("holes stay holes")
                    .isBetween(src.allocatedBytes() - MIB, src.allocatedBytes() + MIB);
        }

        Tools.Result map = Tools.run(DEADLINE, "nbdinfo", "--map", fixture.uri("target"));
        assertThat(map.exitCode()).as(map.output()).isZero();
        String[] lines = map.output().strip().split("\n");
        assertThat(lines[0]).matches("\\s*0\\s+" + 2 * MIB + "\\s+0\\s+data");
        assertThat(lines[1]).matches("\\s*" + 2 * MIB + "\\s+" + 8 * MIB + "\\s+3\\s+hole,zero");
        assertThat(lines[2]).matches("\\s*" + 10 * MIB + "\\s+" + 3 * MIB + "\\s+0\\s+data");
        assertThat(lines[lines.length - 1]).matches("\\s*" + (SIZE - MIB) + "\\s+" + MIB + "\\s+0\\s+data");
    }

    private static void writeRandom(SparseFile file, long offset, int length, Random random) throws Exception {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        file.writeFully(ByteBuffer.wrap(bytes), offset);
    }
}
