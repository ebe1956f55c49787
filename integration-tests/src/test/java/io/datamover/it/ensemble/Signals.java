package io.datamover.it.ensemble;

import java.io.IOException;

/** Sends a signal to a test's child process with {@code kill}: SIGSTOP and SIGCONT, which the JDK cannot send. */
public final class Signals {
    private Signals() {}

    /** {@code kill -NAME pid}; fails when kill does. */
    public static void send(long pid, String name) throws IOException, InterruptedException {
        int status = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor();
        if (status != 0) {
            throw new IOException("kill -" + name + " " + pid + " exited with " + status);
        }
    }
}
