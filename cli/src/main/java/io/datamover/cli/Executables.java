package io.datamover.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Which external tools (fio, qemu-io, ...) this machine has. */
public final class Executables {
    private Executables() {}

    /** True when an executable named {@code tool} is in a directory of {@code PATH}. */
    public static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
