package io.datamover.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The JVM flags of the root pom's {@code datamover.jvm.flags}, filtered into this module's resources. */
public final class JvmFlags {
    private JvmFlags() {}

    public static String[] load() {
        try (InputStream in = JvmFlags.class.getResourceAsStream("/bench-jvm.options")) {
            if (in == null) {
                throw new IllegalStateException("bench-jvm.options missing from the classpath: build with ./mvnw");
            }
            String flags = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            if (flags.contains("${")) {
                throw new IllegalStateException("bench-jvm.options was not filtered by Maven: " + flags);
            }
            return flags.split("\\s+");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
