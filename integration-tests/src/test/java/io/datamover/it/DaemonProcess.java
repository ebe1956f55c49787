package io.datamover.it;

import io.datamover.it.ensemble.Signals;

import io.datamover.bench.process.LabTls;
import io.datamover.bench.process.LoopbackPorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@code bin/datamover} daemon run as operators run it, as a process the test can SIGTERM or SIGKILL. */
final class DaemonProcess implements AutoCloseable {
    private static final Path ROOT = Path.of(System.getProperty("datamover.root", "..")).toAbsolutePath().normalize();

    /**
     * {@code bin/datamover args...} from the checkout, as the reactor has just assembled it; a daemon speaks mutual TLS
     * with lab certificates ({@link LabTls}) unless {@code args} choose.
     */
    static ProcessBuilder launcher(List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("bin/datamover").toString()));
        List<String> secured = LabTls.secured(args);
        command.addAll(secured);
        if (secured.contains("--tls-dir") && !args.contains("--tls-warmup")) {
            command.add("--no-tls-warmup"); // the tests' links carry little: its CPU seconds would only slow CI
        }
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        pb.environment().put("DATAMOVER_NO_BUILD", "1"); // the reactor has just assembled it
        return pb;
    }

    /**
     * Runs the one-shot command {@code bin/datamover args...} to its end (at most {@code deadline}), its output kept in
     * a file under {@code dir}.
     */
    static ReplicationSite.CommandRun command(Path dir, Duration deadline, List<String> args)
            throws IOException, InterruptedException {
        return command(dir, deadline, args, "");
    }

    /** As {@link #command(Path, Duration, List)}, the JVM given {@code javaOptions} (e.g. a crash point armed). */
    static ReplicationSite.CommandRun command(Path dir, Duration deadline, List<String> args, String javaOptions)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile(dir, args.getFirst(), ".out");
        ProcessBuilder pb = launcher(args).redirectErrorStream(true).redirectOutput(output.toFile());
        if (!javaOptions.isEmpty()) {
            pb.environment().put("DATAMOVER_JAVA_OPTS", javaOptions);
        }
        Process p = pb.start();
        if (!p.waitFor(deadline.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("datamover " + args + " did not finish within " + deadline);
        }
        return new ReplicationSite.CommandRun(p.exitValue(), Files.readString(output));
    }

    private final String name;
    private final List<String> args;
    private final Path log;
    private List<String> extraArgs = List.of();
    private String javaOptions = "";
    private String umask;
    private boolean insecurePlaintext;
    private Process process;

    DaemonProcess(String name, Path log, String... args) {
        this.name = name;
        this.log = log;
        this.args = List.of(args);
    }

    /** Starts (or starts again) the daemon and waits until {@code port} accepts connections. */
    DaemonProcess start(int port) throws IOException, InterruptedException {
        launch();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!LoopbackPorts.listening(port)) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + log());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " does not listen on " + port + " after 60 s:\n" + log());
            }
            Thread.sleep(100); // polling a port with a deadline
        }
        return this;
    }

    /** Starts (or starts again) the daemon without waiting for it: for a start that may end at once (a crash). */
    DaemonProcess launch() throws IOException {
        List<String> all = new ArrayList<>(args);
        all.addAll(extraArgs);
        if (insecurePlaintext) {
            all.add("--insecure-plaintext");
        }
        ProcessBuilder pb = launcher(all);
        if (umask != null) { // through sh, which execs the daemon: the same process, under this umask
            List<String> command = new ArrayList<>(List.of("sh", "-c", "umask " + umask + " && exec \"$0\" \"$@\""));
            command.addAll(pb.command());
            pb.command(command);
        }
        if (!javaOptions.isEmpty()) {
            pb.environment().put("DATAMOVER_JAVA_OPTS", javaOptions); // bin/datamover passes them to the JVM
        }
        process = pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return this;
    }

    /** JVM options (e.g. {@code -Dkey=value}) for the starts from now on; empty for none. */
    DaemonProcess javaOptions(String options) {
        this.javaOptions = options;
        return this;
    }

    /** The umask (e.g. {@code 022}) the daemon runs under, for the starts from now on; null for this JVM's. */
    DaemonProcess umask(String mask) {
        this.umask = mask;
        return this;
    }

    /** The daemon's process id (bin/datamover execs the JVM). */
    long pid() {
        return process.pid();
    }

    /** Plaintext instead of the lab's TLS, for the starts from now on: for tests whose peers speak raw frames. */
    DaemonProcess insecurePlaintext() {
        this.insecurePlaintext = true;
        return this;
    }

    /** Command-line arguments added after the daemon's own, for the starts from now on. */
    DaemonProcess extraArgs(String... more) {
        this.extraArgs = List.of(more);
        return this;
    }

    /** Waits up to {@code deadline} for the process to exit by itself; its exit status, or null if it still runs. */
    Integer awaitExit(Duration deadline) throws InterruptedException {
        return process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    /** SIGSTOP: the daemon holds its files and sockets but does nothing, as a host that hangs. */
    void pause() throws IOException, InterruptedException {
        Signals.send(pid(), "STOP");
    }

    /** SIGCONT after {@link #pause}. */
    void resume() throws IOException, InterruptedException {
        Signals.send(pid(), "CONT");
    }

    /** kill -9: no shutdown hook runs, nothing is flushed. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** SIGTERM, the clean shutdown, with a deadline; then SIGKILL. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
