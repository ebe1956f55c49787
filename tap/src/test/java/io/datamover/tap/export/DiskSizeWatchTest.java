package io.datamover.tap.export;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DiskSizeWatchTest {
    private final DiskSizeWatch watch = new DiskSizeWatch();

    @Test
    void aDiskWhoseSizeDiffersIsToldOncePerSize() {
        assertThat(watch.toTell("root", 100, 100)).isFalse();
        assertThat(watch.toTell("root", 100, 50)).as("a shrink").isTrue();
        assertThat(watch.toTell("root", 100, 50)).as("told once").isFalse();
        assertThat(watch.toTell("root", 100, 40)).as("a new size is told").isTrue();
        assertThat(watch.toTell("root", 100, 100)).isFalse();
        assertThat(watch.toTell("root", 100, 40)).as("told again after the sizes agreed").isTrue();
        assertThat(watch.toTell("data", 10, 20)).as("per disk").isTrue();
    }

    @Test
    void aShrinkIsDescribedWithTheDiskBothSizesAndTheRemedy() {
        assertThat(DiskShrankException.describe("root", 100, 50)).isEqualTo("disk root shrank from 100 to 50 bytes"
                + " under the tap: shrinking a protected disk is refused (its replica would lose data the source may"
                + " still need); give the disk its size back");
    }
}
