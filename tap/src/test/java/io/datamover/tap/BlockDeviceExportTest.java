package io.datamover.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.datamover.disk.SparseFile;
import io.datamover.tap.support.TapTestBase;
import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A block device as an export (a loop device over a file, where the machine allows it): its size comes from
 * the device, qemu-io writes and reads through the tap, and the device holds the bytes.
 */
class BlockDeviceExportTest extends TapTestBase {
    private static final long SIZE = 32L << 20;
    private String device;

    @AfterEach
    void detach() throws Exception {
        if (fixture.tap != null) {
            fixture.tap.close();
            fixture.tap = null;
        }
        if (device != null) {
            Tools.run(Duration.ofSeconds(30), "losetup", "-d", device);
        }
    }

    private String attachLoopDevice(Path backing) throws Exception {
        Tools.assumeInstalled("losetup");
        Tools.Result result = Tools.run(Duration.ofSeconds(30), "losetup", "--find", "--show", backing.toString());
        assumeTrue(result.exitCode() == 0, "no loop device on this machine: " + result.output());
        return result.output().strip();
    }

    @Test
    void servesABlockDeviceOfTheDevicesSize() throws Exception {
        Tools.assumeInstalled("qemu-io");
        Path backing;
        try (SparseFile f = SparseFile.create(dir.resolve("backing.img"), SIZE)) {
            backing = f.path();
        }
        device = attachLoopDevice(backing);
        try (SparseFile dev = SparseFile.openReadOnly(Path.of(device))) {
            assertThat(dev.isBlockDevice()).isTrue();
            assertThat(dev.size()).isEqualTo(SIZE);
            assertThat(dev.nextData(4096)).isEqualTo(4096);
            assertThat(dev.nextHole(4096)).isEqualTo(SIZE);
        }

        fixture.start(fixture.config().export("dev", Path.of(device)).build());
        Tools.Result io = Tools.run(Duration.ofSeconds(60), Tools.qemuIo(fixture.uri("dev"),
                "write -P 0x3c 0 64k", "write -P 0x7e " + (SIZE - 4096) + " 4096", "read -P 0x3c 0 64k",
                "read -P 0x7e " + (SIZE - 4096) + " 4096"));
        assertThat(io.exitCode()).as(io.output()).isZero();
        assertThat(io.output()).doesNotContain("Pattern verification failed");
        fixture.tap.close();
        fixture.tap = null;

        try (SparseFile dev = SparseFile.openReadOnly(Path.of(device))) {
            ByteBuffer last = ByteBuffer.allocateDirect(4096);
            dev.readFully(last, SIZE - 4096);
            last.flip();
            while (last.hasRemaining()) {
                assertThat(last.get()).isEqualTo((byte) 0x7e);
            }
        }
    }
}
