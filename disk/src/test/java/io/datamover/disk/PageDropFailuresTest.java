package io.datamover.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PageDropFailuresTest {

    @TempDir
    Path dir;

    @Test
    void aFadviseErrorIsCountedAndTheReaderGoesOn() throws Exception {
        // posix_fadvise on a FIFO fails with ESPIPE: a real error of the call, from the kernel.
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        PageDropFailures failures = new PageDropFailures(new AtomicLong()::get);
        try (SparseFile file = SparseFile.openReadWrite(fifo)) {
            assertThatCode(() -> file.dropPagesReadForward(0, 4096, failures)).doesNotThrowAnyException();
            assertThatCode(() -> file.dropPagesReadForward(4096, 4096, failures)).doesNotThrowAnyException();
        }
        assertThat(failures.count()).isEqualTo(2);
    }

    @Test
    void theProcessCountMovesWhenAFileFailsToDropItsPages() throws Exception {
        SparseFile file = SparseFile.create(dir.resolve("disk.img"), 1 << 20);
        file.writeFully(ByteBuffer.wrap(new byte[4096]), 0);
        file.close();
        long before = PageDropFailures.processCount();

        file.dropPagesReadForward(0, 4096); // a closed file: EBADF, counted, not thrown

        assertThat(PageDropFailures.processCount()).isEqualTo(before + 1);
    }

    @Test
    void failuresAreLoggedAtMostOncePerInterval() {
        AtomicLong now = new AtomicLong(1_000);
        PageDropFailures failures = new PageDropFailures(now::get);
        Path path = dir.resolve("disk.img");
        IOException error = new IOException("EIO");

        assertThat(failures.failed(path, 0, 4096, error)).isTrue();
        now.addAndGet(PageDropFailures.LOG_INTERVAL_NANOS - 1);
        assertThat(failures.failed(path, 4096, 4096, error)).isFalse();
        now.addAndGet(1);
        assertThat(failures.failed(path, 8192, 4096, error)).isTrue();
        assertThat(failures.count()).isEqualTo(3);
    }
}
