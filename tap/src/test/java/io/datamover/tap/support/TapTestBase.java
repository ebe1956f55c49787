package io.datamover.tap.support;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh {@link TapFixture} in a temporary directory per test, closed after it. */
public abstract class TapTestBase {

    @TempDir
    protected Path dir;
    protected TapFixture fixture;

    @BeforeEach
    void createFixture() {
        fixture = new TapFixture(dir);
    }

    @AfterEach
    void closeFixture() throws IOException {
        fixture.close();
    }
}
