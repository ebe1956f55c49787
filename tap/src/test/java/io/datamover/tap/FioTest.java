package io.datamover.tap;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.tap.support.TapFixture;
import io.datamover.tap.support.Tools;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fio's NBD engine: random 4k writes, iodepth 16, then crc32c verification of everything it wrote. */
class FioTest {

    @TempDir
    Path dir;
    private TapFixture fixture;

    @BeforeEach
    void start() throws Exception {
        Tools.assumeInstalled("fio");
        fixture = new TapFixture(dir);
        fixture.image("disk0", 16 << 20);
        fixture.start(fixture.config().export("disk0", dir.resolve("disk0.img")).build());
    }

    @AfterEach
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void randomWritesVerify() throws Exception {
        Tools.Result fio = Tools.run(Duration.ofSeconds(180), "fio", "--name=tap", "--ioengine=nbd",
                "--uri=" + fixture.uri("disk0"), "--rw=randwrite", "--bs=4k", "--size=16m", "--iodepth=16",
                "--verify=crc32c", "--do_verify=1", "--output-format=terse", "--terse-version=3");
        assertThat(fio.exitCode()).as(fio.output()).isZero();
        assertThat(fio.output()).doesNotContain("verify: bad", "error=");
        String terse = fio.output().lines().filter(line -> line.startsWith("3;")).findFirst().orElseThrow();
        assertThat(terse.split(";")[4]).as("fio's error field").isEqualTo("0");
        long writes = fixture.tap.lastSeq();
        assertThat(writes).as("every 4k block written once").isEqualTo(4096);
    }
}
