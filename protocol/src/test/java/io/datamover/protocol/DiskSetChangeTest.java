package io.datamover.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DiskSetChangeTest {
    private static final DiskInfo ROOT = new DiskInfo(0, "root", 1 << 20, 4096);
    private static final DiskInfo DATA = new DiskInfo(1, "data", 2 << 20, 4096);

    @Test
    void theSameDisksAreNoChange() {
        assertThat(DiskSetChange.describe(List.of(ROOT, DATA), List.of(ROOT, DATA))).isEmpty();
    }

    @Test
    void aDiskThatShrankOrGrewIsNamedWithBothSizes() {
        assertThat(DiskSetChange.describe(List.of(ROOT, DATA), List.of(ROOT, new DiskInfo(1, "data", 1 << 20, 4096))))
                .hasValueSatisfying(m -> assertThat(m).startsWith("disk data shrank from 2097152 to 1048576 bytes:")
                        .contains("shrinking a protected disk is refused"));
        assertThat(DiskSetChange.describe(List.of(ROOT), List.of(new DiskInfo(0, "root", 4 << 20, 4096))))
                .hasValueSatisfying(m -> assertThat(m).startsWith("disk root grew from 1048576 to 4194304 bytes:")
                        .contains("not supported yet"));
    }

    @Test
    void anyOtherChangeIsAChangedDiskSet() {
        assertThat(DiskSetChange.describe(List.of(ROOT), List.of(ROOT, DATA)))
                .hasValueSatisfying(m -> assertThat(m).contains("a changed disk set needs a new consistency group"));
        assertThat(DiskSetChange.describe(List.of(ROOT), List.of(new DiskInfo(0, "boot", 1 << 20, 4096))))
                .hasValueSatisfying(m -> assertThat(m).contains("a changed disk set"));
    }
}
