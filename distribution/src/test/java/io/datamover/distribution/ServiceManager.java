package io.datamover.distribution;

import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Starts and stops installed units: with systemctl where systemd runs the machine, else by running each unit's
 * {@code ExecStart=} line itself, as its {@code User=} and {@code Group=}, under its {@code UMask=}, from {@code /},
 * with the small environment systemd gives a service.
 */
final class ServiceManager {
    static final Path UNITS = Path.of("/usr/lib/systemd/system");
    private static final Duration COMMAND_DEADLINE = Duration.ofSeconds(90);

    private final boolean systemd = Files.isDirectory(Path.of("/run/systemd/system"));
    private final Path logs;
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Set<String> started = new LinkedHashSet<>();

    ServiceManager(Path logs) {
        this.logs = logs;
    }

    String how() {
        return systemd ? "systemctl" : "the units' ExecStart lines (PID 1 is not systemd)";
    }

    /** Starts {@code unit} (e.g. {@code datamover-tap@it.service}). */
    void start(String unit) throws IOException, InterruptedException {
        started.add(unit);
        if (systemd) {
            systemctl("start", unit);
            return;
        }
        int at = unit.indexOf('@');
        String instance = at < 0 ? "" : unit.substring(at + 1, unit.indexOf(".service"));
        String file = at < 0 ? unit : unit.substring(0, at + 1) + ".service";
        UnitFile settings = UnitFile.read(UNITS.resolve(file), instance);
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + settings.user(),
                "--regid=" + settings.group(), "--init-groups", "--", "sh", "-c",
                "umask " + settings.umask() + " && exec \"$0\" \"$@\""));
        command.addAll(settings.execStart());
        ProcessBuilder pb = new ProcessBuilder(command).directory(Path.of("/").toFile()).redirectErrorStream(true)
                .redirectOutput(logs.resolve(unit + ".log").toFile());
        pb.environment().clear();
        pb.environment().putAll(Map.of("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "LANG", "C.UTF-8", "HOME", "/var/lib/datamover", "USER", settings.user(), "LOGNAME", settings.user()));
        processes.put(unit, pb.start());
    }

    /** Whether the unit's daemon still runs (a daemon that exited at start shows up here). */
    boolean running(String unit) throws IOException, InterruptedException {
        if (systemd) {
            return Tools.run(COMMAND_DEADLINE, "systemctl", "is-active", "--quiet", unit).exitCode() == 0;
        }
        return processes.get(unit).isAlive();
    }

    /** The user the unit's daemon runs as (setpriv and sh exec it, so it is the started process itself). */
    String user(String unit) throws IOException, InterruptedException {
        long pid = systemd
                ? Long.parseLong(Tools.run(COMMAND_DEADLINE, "systemctl", "show", "--value", "-p", "MainPID", unit)
                        .output().strip())
                : processes.get(unit).pid();
        return ProcessHandle.of(pid).flatMap(process -> process.info().user()).orElse("(not running)");
    }

    /** What the unit's daemon printed. */
    String log(String unit) throws IOException, InterruptedException {
        if (systemd) {
            return Tools.run(COMMAND_DEADLINE, "journalctl", "--no-pager", "-u", unit).output();
        }
        Path log = logs.resolve(unit + ".log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /**
     * Stops {@code unit} as systemd does (SIGTERM, a deadline, then SIGKILL); the daemon's exit status, 143 being
     * the unit's {@code SuccessExitStatus}, or 0 under systemd when it stopped cleanly.
     */
    int stop(String unit) throws IOException, InterruptedException {
        started.remove(unit);
        if (systemd) {
            systemctl("stop", unit);
            return Tools.run(COMMAND_DEADLINE, "systemctl", "is-failed", "--quiet", unit).exitCode() == 0 ? 1 : 0;
        }
        Process process = processes.remove(unit);
        process.destroy(); // setpriv and sh exec the daemon: SIGTERM reaches the JVM
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        return process.exitValue();
    }

    /** Stops whatever still runs (a test that failed midway). */
    void stopAll() throws IOException, InterruptedException {
        for (String unit : List.copyOf(started)) {
            stop(unit);
        }
    }

    private static void systemctl(String verb, String unit) throws IOException, InterruptedException {
        Tools.Result result = Tools.run(COMMAND_DEADLINE, "systemctl", verb, unit);
        if (result.exitCode() != 0) {
            throw new AssertionError("systemctl " + verb + " " + unit + ": " + result.output());
        }
    }
}
