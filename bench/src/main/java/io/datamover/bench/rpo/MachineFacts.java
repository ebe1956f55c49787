package io.datamover.bench.rpo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a figure depends on about the machine it was measured on; each is "unknown" when it cannot be read.
 *
 * @param loadAverage the 1/5/15-minute load at the start, which shows other work sharing the machine
 * @param device the block device holding {@code --dir}, its file system and whether it is rotational
 */
public record MachineFacts(String cpuModel, int jvmCores, String nproc, String loadAverage, String kernel,
        String jdk, String device, String fileSystem, String rotational) {

    private static final String UNKNOWN = "unknown";

    public static MachineFacts probe(Path dir) {
        String[] df = run("df", "--output=source,fstype", dir.toString()).lines().skip(1).findFirst()
                .orElse(UNKNOWN + " " + UNKNOWN).trim().split("\\s+");
        String device = df[0];
        String fileSystem = df.length > 1 ? df[1] : UNKNOWN;
        return new MachineFacts(readCpuModel(), Runtime.getRuntime().availableProcessors(), run("nproc").trim(),
                firstLine(Path.of("/proc/loadavg")), System.getProperty("os.name") + " "
                + System.getProperty("os.version"), Runtime.version().toString(), device, fileSystem,
                rotational(device));
    }

    /** The facts as a two-column markdown table; {@code dir} is the directory the run wrote to. */
    public String markdown(Path dir) {
        return "| machine | value |\n|---|---|\n"
                + "| CPU | " + cpuModel + " |\n"
                + "| cores (JVM) / nproc | " + jvmCores + " / " + nproc + " |\n"
                + "| load average at start | " + loadAverage + " |\n"
                + "| OS / JDK | " + kernel + " / " + jdk + " |\n"
                + "| disk of --dir | " + dir + " on " + device + " (" + fileSystem + ", " + rotational + ") |\n";
    }

    private static String readCpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            return lines.stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(UNKNOWN);
        } catch (IOException e) {
            return UNKNOWN;
        }
    }

    /** "ssd" or "rotational" from the device's queue, for {@code /dev/vda} or a partition of it. */
    private static String rotational(String device) {
        if (!device.startsWith("/dev/")) {
            return UNKNOWN;
        }
        String name = device.substring("/dev/".length());
        for (String candidate : List.of(name, name.replaceFirst("p?\\d+$", ""))) {
            Path flag = Path.of("/sys/block", candidate, "queue", "rotational");
            if (Files.isReadable(flag)) {
                return "1".equals(firstLine(flag)) ? "rotational as the kernel reports it" : "non-rotational";
            }
        }
        return UNKNOWN;
    }

    private static String firstLine(Path file) {
        try {
            return Files.readAllLines(file).stream().findFirst().orElse(UNKNOWN).trim();
        } catch (IOException e) {
            return UNKNOWN;
        }
    }

    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : UNKNOWN;
        } catch (IOException e) {
            return UNKNOWN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return UNKNOWN;
        }
    }
}
