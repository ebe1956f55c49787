package io.datamover.tap.export;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DiskSizeWatchTest {
    private final DiskSizeWatch watch = new DiskSizeWatch();

    @Test
    void aDiskThatGrewOrShrankIsToldOncePerSize() {
        assertThat(watch.check("root", 100, 100)).isEmpty();
        assertThat(watch.check("root", 100, 164)).hasValueSatisfying(m -> assertThat(m)
                .startsWith("disk root grew from 100 to 164 bytes while the tap serves it")
                .contains("until the tap is restarted"));
        assertThat(watch.check("root", 100, 164)).as("told once").isEmpty();
        assertThat(watch.check("root", 100, 200)).as("a new size is told").isPresent();
        assertThat(watch.check("root", 100, 50)).hasValueSatisfying(m -> assertThat(m)
                .startsWith("disk root shrank from 100 to 50 bytes").contains("give the disk its size back"));
        assertThat(watch.check("root", 100, 100)).isEmpty();
        assertThat(watch.check("root", 100, 164)).as("told again after it came back").isPresent();
        assertThat(watch.check("data", 10, 20)).as("per disk").isPresent();
    }
}
