package io.datamover.tap.support;

import io.datamover.disk.SparseFile;
import io.datamover.tap.Tap;
import io.datamover.tap.TapConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Sparse disk images in a temporary directory and a tap serving them on a free loopback port. */
public final class TapFixture implements AutoCloseable {

    public final Path dir;
    public final CapturingSink sink = new CapturingSink();
    public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    public Tap tap;

    public TapFixture(Path dir) {
        this.dir = dir;
    }

    /** Creates an all-hole image of {@code sizeBytes}. */
    public Path image(String name, long sizeBytes) throws IOException {
        Path path = dir.resolve(name + ".img");
        try (SparseFile ignored = SparseFile.create(path, sizeBytes)) {
            return path;
        }
    }

    /** A config builder on a free port with the state dir in the temporary directory. */
    public TapConfig.Builder config() {
        return TapConfig.builder().port(0).stateDir(dir.resolve("state")).dirtyRetentionMillis(100)
                .ioThreads(4).shutdownTimeoutMillis(10_000);
    }

    /** Creates an all-hole image of {@code sizeBytes} per export name and starts a tap serving them. */
    public Tap serve(TapConfig.Builder config, long sizeBytes, String... exports) throws IOException {
        for (String export : exports) {
            config.export(export, image(export, sizeBytes));
        }
        return start(config.build());
    }

    public Tap start(TapConfig config) throws IOException {
        tap = Tap.start(config, sink, registry);
        return tap;
    }

    public String uri(String export) {
        return "nbd://127.0.0.1:" + tap.port() + "/" + export;
    }

    public byte[] contents(String export) throws IOException {
        return Files.readAllBytes(dir.resolve(export + ".img"));
    }

    @Override
    public void close() throws IOException {
        if (tap != null) {
            tap.close();
        }
    }
}
