package io.datamover.it.ensemble;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command of a small JVM running {@code mainClass} with this test JVM's java and classpath. */
final class ChildJvm {
    private ChildJvm() {}

    static List<String> command(String mainClass, List<String> args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"),
                mainClass));
        command.addAll(args);
        return command;
    }
}
