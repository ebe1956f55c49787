package io.datamover.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * What a machine without systemd needs of an installed unit to run its daemon as systemd would: the command of
 * {@code ExecStart=} (with the instance name for {@code %i}), {@code User=}, {@code Group=} and {@code UMask=}. Our
 * units quote nothing, so a command line splits on white space.
 */
record UnitFile(List<String> execStart, String user, String group, String umask) {

    static UnitFile read(Path unit, String instance) throws IOException {
        List<String> lines = Files.readAllLines(unit).stream().map(String::strip).toList();
        String command = setting(unit, lines, "ExecStart").replace("%i", instance);
        return new UnitFile(Arrays.asList(command.split("\\s+")), setting(unit, lines, "User"),
                setting(unit, lines, "Group"), setting(unit, lines, "UMask"));
    }

    private static String setting(Path unit, List<String> lines, String key) {
        return lines.stream().filter(line -> line.startsWith(key + "=")).map(line -> line.substring(key.length() + 1))
                .findFirst().orElseThrow(() -> new AssertionError(unit + " has no " + key + "="));
    }
}
