package io.datamover.it;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs mounted on a directory, to make a daemon's disk full (ENOSPC) on demand: {@link #fill} takes every
 * free byte with a filler file, {@link #free} gives them back. Needs root (as on the project's machines and CI);
 * without it the test is aborted with a clear reason, never passed silently.
 */
final class Tmpfs implements AutoCloseable {
    private static final String FILLER = ".filler";
    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code mebibytes} on {@code dir} (created), or aborts the test when it cannot. */
    static Tmpfs mount(Path dir, int mebibytes) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String out = run(List.of("mount", "-t", "tmpfs", "-o", "size=" + mebibytes + "m", "tmpfs", dir.toString()));
        Assumptions.assumeTrue(out == null, () -> "a full disk needs a tmpfs, and mounting one on " + dir
                + " failed (run as root): " + out);
        return new Tmpfs(dir);
    }

    /** Writes a filler file until the file system is full; returns the bytes it took. */
    long fill() throws IOException {
        byte[] chunk = new byte[1 << 20];
        java.util.Arrays.fill(chunk, (byte) 0x5a); // not zeros: every page is allocated
        long written = 0;
        try (OutputStream out = Files.newOutputStream(dir.resolve(FILLER))) {
            while (true) {
                out.write(chunk);
                written += chunk.length;
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
        // The last, partial chunk may have left a page or two: take them with small writes.
        try (OutputStream out = Files.newOutputStream(dir.resolve(FILLER + "-tail"))) {
            for (int i = 0; i < 1024; i++) {
                out.write(chunk, 0, 4096);
                out.flush();
                written += 4096;
            }
        } catch (IOException e) {
            // full to the page
        }
        return written;
    }

    void free() throws IOException {
        Files.deleteIfExists(dir.resolve(FILLER));
        Files.deleteIfExists(dir.resolve(FILLER + "-tail"));
    }

    /** Unmounts (lazily, should a process still hold a file there). */
    @Override
    public void close() throws IOException, InterruptedException {
        String out = run(List.of("umount", dir.toString()));
        if (out != null) {
            String lazy = run(List.of("umount", "-l", dir.toString()));
            if (lazy != null) {
                throw new IOException("cannot unmount the tmpfs on " + dir + ": " + out + "; " + lazy);
            }
        }
    }

    /** Runs a command; null when it succeeded, else its output. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.toString();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return command + " did not end in 30 s";
        }
        return p.exitValue() == 0 ? null : command + " exited with " + p.exitValue() + ": " + out;
    }
}
