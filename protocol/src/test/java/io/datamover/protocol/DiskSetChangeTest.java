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
    void aDiskThatShrankIsNamedWithBothSizes() {
        assertThat(DiskSetChange.describe(List.of(ROOT, DATA), List.of(ROOT, new DiskInfo(1, "data", 1 << 20, 4096))))
                .hasValueSatisfying(m -> assertThat(m).startsWith("disk data shrank from 2097152 to 1048576 bytes:")
                        .contains("shrinking a protected disk is refused"));
        List<DiskInfo> oneGrewOneShrank = List.of(new DiskInfo(0, "root", 4 << 20, 4096),
                new DiskInfo(1, "data", 1 << 20, 4096));
        assertThat(DiskSetChange.grows(List.of(ROOT, DATA), oneGrewOneShrank)).isFalse();
        assertThat(DiskSetChange.describe(List.of(ROOT, DATA), oneGrewOneShrank))
                .hasValueSatisfying(m -> assertThat(m).startsWith("disk data shrank from 2097152 to 1048576 bytes:"));
    }

    @Test
    void theSameDisksWithOneLargerAreGrowth() {
        List<DiskInfo> grown = List.of(ROOT, new DiskInfo(1, "data", 66 << 20, 4096));
        assertThat(DiskSetChange.grows(List.of(ROOT, DATA), grown)).isTrue();
        assertThat(DiskSetChange.grows(List.of(ROOT, DATA), List.of(ROOT, DATA))).isFalse();
        assertThat(DiskSetChange.grows(List.of(ROOT), List.of(ROOT, DATA))).isFalse();
        assertThat(DiskSetChange.grows(List.of(ROOT), List.of(new DiskInfo(0, "boot", 4 << 20, 4096)))).isFalse();
        assertThat(DiskSetChange.grows(List.of(ROOT), List.of(new DiskInfo(0, "root", 4 << 20, 512)))).isFalse();
        assertThat(DiskSetChange.describe(List.of(ROOT, DATA), grown))
                .hasValueSatisfying(m -> assertThat(m).contains("this group was not grown"));
    }

    @Test
    void anyOtherChangeIsAChangedDiskSet() {
        assertThat(DiskSetChange.describe(List.of(ROOT), List.of(ROOT, DATA)))
                .hasValueSatisfying(m -> assertThat(m).contains("a changed disk set needs a new consistency group"));
        assertThat(DiskSetChange.describe(List.of(ROOT), List.of(new DiskInfo(0, "boot", 1 << 20, 4096))))
                .hasValueSatisfying(m -> assertThat(m).contains("a changed disk set"));
    }
}
