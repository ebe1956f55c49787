package io.datamover.cli;

import picocli.CommandLine;

/** Reports the build's version and the JVM it runs on, so support questions start with facts. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[] {
            "datamover " + (version == null ? "(development build)" : version),
            "JVM: " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
        };
    }
}
