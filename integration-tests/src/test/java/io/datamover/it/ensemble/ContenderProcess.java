package io.datamover.it.ensemble;

import io.datamover.coordination.CoordinationConfig;
import io.datamover.coordination.Coordinator;
import io.datamover.coordination.MonotonicClock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A gateway's coordination in a JVM of its own, so a test can kill -9 or SIGSTOP it: {@link #main} connects a
 * {@link Coordinator}, contends for the groups given and prints each change of leadership as a line
 * {@code GROUP ROLE EPOCH}; the test side reads those lines.
 */
public final class ContenderProcess implements AutoCloseable {
    private final Process process;
    private final Queue<String> changes = new ConcurrentLinkedQueue<>();

    private ContenderProcess(Process process) {
        this.process = process;
        Thread.ofVirtual().start(this::readChanges);
    }

    /** Starts a contender for {@code groups} of {@code site}; its log goes to {@code log}. */
    public static ContenderProcess start(String connectString, String site, String gatewayId, Duration session,
            List<String> groups, Path log) throws IOException {
        List<String> args = new ArrayList<>(List.of(connectString, site, gatewayId,
                Long.toString(session.toMillis())));
        args.addAll(groups);
        return new ContenderProcess(new ProcessBuilder(ChildJvm.command(ContenderProcess.class.getName(), args))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start());
    }

    /** The lines {@code GROUP ROLE EPOCH} printed so far, in order. */
    public List<String> changes() {
        return List.copyOf(changes);
    }

    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill9();
    }

    private void readChanges() {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                changes.add(line);
            }
        } catch (IOException ended) {
            // the process is gone
        }
    }

    /** {@code CONNECT_STRING SITE GATEWAY_ID SESSION_MS GROUP...}: contends until killed. */
    public static void main(String[] args) throws Exception {
        CoordinationConfig config = new CoordinationConfig(args[0], args[1], args[2],
                Duration.ofMillis(Long.parseLong(args[3])), Duration.ofSeconds(60));
        Coordinator coordinator = Coordinator.connect(config, MonotonicClock.system());
        for (int i = 4; i < args.length; i++) {
            coordinator.contend(args[i], (group, leadership) -> {
                System.out.println(group + " " + leadership.role() + " " + leadership.epoch());
                System.out.flush();
            });
        }
        Thread.currentThread().join(); // until killed
    }
}
