package io.datamover.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datamover.tap.support.TapTestBase;
import io.datamover.tap.support.Tools;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** fio's NBD engine: random 4k writes, iodepth 16, then crc32c verification of everything it wrote. */
class FioTest extends TapTestBase {


    @BeforeEach
    void start() throws Exception {
        Tools.assumeInstalled("fio");
        fixture.serve(fixture.config(), 16 << 20, "disk0");
    }

    @Test
    void randomWritesVerify() throws Exception {
        Tools.Result fio = Tools.run(Duration.ofSeconds(180), "fio", "--name=tap", "--ioengine=nbd",
                "--uri=" + fixture.uri("disk0"), "--rw=randwrite", "--bs=4k", "--size=16m", "--iodepth=16",
                "--verify=crc32c", "--do_verify=1", "--verify_state_save=0", "--output-format=terse", "--terse-version=3");
        assertThat(fio.exitCode()).as(fio.output()).isZero();
        assertThat(fio.output()).doesNotContain("verify: bad", "error=");
        String terse = fio.output().lines().filter(line -> line.startsWith("3;")).findFirst().orElseThrow();
        assertThat(terse.split(";")[4]).as("fio's error field").isEqualTo("0");
        await().atMost(Duration.ofSeconds(10)).until(() -> !fixture.tap.initialSyncRunning());
        long writes = fixture.tap.lastSeq() - 2; // less the blank disk's initial sync: SYNC_BEGIN and SYNC_END
        assertThat(writes).as("every 4k block written once").isEqualTo(4096);
    }
}
