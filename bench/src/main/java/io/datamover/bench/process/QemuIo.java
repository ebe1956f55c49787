package io.datamover.bench.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** {@code qemu-io}, a real NBD client, writing through a tap's export on loopback. */
public final class QemuIo {
    private static final long DEADLINE_SECONDS = 60;

    private QemuIo() {}

    /**
     * {@code qemu-io -c "write -P pattern offset length"} on {@code nbd://127.0.0.1:port/export}: returns once the
     * write is acknowledged; throws with qemu-io's output when it fails or outlasts a minute.
     */
    public static void writePattern(int nbdPort, String export, int pattern, long offset, long length)
            throws IOException, InterruptedException {
        String uri = "nbd://127.0.0.1:" + nbdPort + "/" + export;
        Process qemuIo = new ProcessBuilder("qemu-io", "-f", "raw", "-c",
                "write -P " + pattern + " " + offset + " " + length, uri).redirectErrorStream(true).start();
        String output = new String(qemuIo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!qemuIo.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
            qemuIo.destroyForcibly().waitFor();
            throw new IOException("qemu-io on " + uri + " did not finish within " + DEADLINE_SECONDS + " s");
        }
        if (qemuIo.exitValue() != 0) {
            throw new IOException("qemu-io on " + uri + " failed (" + qemuIo.exitValue() + "): " + output);
        }
    }
}
