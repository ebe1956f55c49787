package io.datamover.tap;

import static io.datamover.tap.support.Tools.qemuIo;
import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.tap.support.TapTestBase;
import io.datamover.tap.support.Tools;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** qemu-io writes known patterns through the tap; reads and the backing file agree with the expected image. */
class QemuIoTest extends TapTestBase {

    private static final int SIZE = 8 << 20;
    private static final Duration DEADLINE = Duration.ofSeconds(60);


    @BeforeEach
    void start() throws Exception {
        Tools.assumeInstalled("qemu-io");
        fixture.serve(fixture.config(), SIZE, "disk0");
    }

    @Test
    void patternsZeroesAndDiscardsLandWhereWritten() throws Exception {
        byte[] expected = new byte[SIZE];
        String uri = fixture.uri("disk0");
        Tools.Result writes = Tools.run(DEADLINE, qemuIo(uri,
                "write -P 0xab 0 4k",
                "write -P 0xcd " + (SIZE - 4096) + " 4k",
                "write -P 0x11 1000 3000",
                "write -P 0x22 65535 131073",
                "write -P 0x33 1m 1m",
                "write -z 1200k 200k",
                "write -P 0x44 3m 512k",
                "discard 3m 256k",
                "flush"));
        assertThat(writes.exitCode()).as(writes.output()).isZero();
        fill(expected, 0, 4096, 0xab);
        fill(expected, SIZE - 4096, 4096, 0xcd);
        fill(expected, 1000, 3000, 0x11);
        fill(expected, 65535, 131073, 0x22);
        fill(expected, 1 << 20, 1 << 20, 0x33);
        fill(expected, 1200 << 10, 200 << 10, 0);
        fill(expected, 3 << 20, 512 << 10, 0x44);
        fill(expected, 3 << 20, 256 << 10, 0);

        Tools.Result reads = Tools.run(DEADLINE, qemuIo(uri,
                "read -P 0xab 0 1000",
                "read -P 0x11 1000 3000",
                "read -P 0xcd " + (SIZE - 4096) + " 4k",
                "read -P 0x22 65535 131073",
                "read -P 0x33 1m 176k",
                "read -P 0 1200k 200k",
                "read -P 0x33 1400k 648k",
                "read -P 0 3m 256k",
                "read -P 0x44 3328k 256k"));
        assertThat(reads.exitCode()).as(reads.output()).isZero();
        assertThat(reads.output()).doesNotContain("Pattern verification failed");

        assertThat(Arrays.equals(fixture.contents("disk0"), expected)).as("backing file equals the expected image").isTrue();
    }

    private static void fill(byte[] image, int offset, int length, int value) {
        Arrays.fill(image, offset, offset + length, (byte) value);
    }
}
