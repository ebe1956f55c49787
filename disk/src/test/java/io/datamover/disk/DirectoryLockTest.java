package io.datamover.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One owner per directory: another process (python's lockf, an fcntl lock as ours) or another owner here. */
class DirectoryLockTest {
    private static final String HOLD = """
            import fcntl, os, sys
            f = open(sys.argv[1], 'a+')
            fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            f.truncate(0)
            f.write('%d the python holder\\n' % os.getpid())
            f.flush()
            print('locked', flush=True)
            sys.stdin.read()
            """;
    private static final String PROBE = """
            import fcntl, sys
            f = open(sys.argv[1], 'a')
            try:
                fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                sys.exit(3)
            """;

    @TempDir
    Path dir;

    @Test
    void aSecondOwnerInThisProcessIsRefusedAndTheOsLockStaysHeld() throws Exception {
        try (DirectoryLock first = DirectoryLock.acquire(dir, "the first owner")) {
            assertThatThrownBy(() -> DirectoryLock.acquire(dir.resolve(".").resolve("..").resolve(dir.getFileName()),
                    "a second owner"))
                    .isInstanceOf(DirectoryInUseException.class)
                    .hasMessageContaining("in use by the first owner in this process (pid "
                            + ProcessHandle.current().pid() + ")");
            assertThat(otherProcessCanLock()).as("the refusal left the OS lock held").isFalse();
            assertThat(first.directory()).isEqualTo(dir.toRealPath());
        }
        assertThat(otherProcessCanLock()).as("released on close").isTrue();
        DirectoryLock.acquire(dir, "a later owner").close();
    }

    @Test
    void anotherProcessHoldingTheDirectoryIsNamedByItsPidUntilItEnds() throws Exception {
        Process holder = new ProcessBuilder("python3", "-c", HOLD, dir.resolve(DirectoryLock.FILE_NAME).toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");

            assertThatThrownBy(() -> DirectoryLock.acquire(dir, "the test"))
                    .isInstanceOf(DirectoryInUseException.class)
                    .hasMessageContaining("in use by the python holder (pid " + holder.pid() + ")")
                    .satisfies(e -> assertThat(((DirectoryInUseException) e).holderPid()).isEqualTo(holder.pid()));
        } finally {
            holder.getOutputStream().close();
            assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        try (DirectoryLock lock = DirectoryLock.acquire(dir, "the test")) {
            assertThat(Files.readString(dir.resolve(DirectoryLock.FILE_NAME)))
                    .isEqualTo(ProcessHandle.current().pid() + " the test\n");
        }
    }

    @Test
    void theLockFileIsPrivate() throws Exception {
        DirectoryLock.acquire(dir, "the test").close();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(DirectoryLock.FILE_NAME))))
                .isEqualTo("rw-------");
    }

    private boolean otherProcessCanLock() throws IOException, InterruptedException {
        Process probe = new ProcessBuilder("python3", "-c", PROBE, dir.resolve(DirectoryLock.FILE_NAME).toString())
                .redirectErrorStream(true).start();
        int status = probe.waitFor();
        assertThat(status).as("lock probe: %s", new String(probe.getInputStream().readAllBytes())).isIn(0, 3);
        return status == 0;
    }
}
