package io.datamover.disk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class GroupCapacityTest {

    @Test
    void aNewGroupIsRefusedAtMaxGroups() {
        GroupCapacity capacity = new GroupCapacity(3, new OpenFiles(1 << 20, () -> 100));
        assertThat(capacity.refusal(2, 40)).isNull();
        assertThat(capacity.refusal(3, 40)).contains("already holds 3 consistency groups").contains("--max-groups");
    }

    @Test
    void aNewGroupIsRefusedWhenItsDescriptorsWouldNotFitWithTheReserveLeft() {
        AtomicLong open = new AtomicLong(1024 - GroupCapacity.RESERVED_DESCRIPTORS - 40);
        GroupCapacity capacity = new GroupCapacity(1000, new OpenFiles(1024, open::get));
        assertThat(capacity.refusal(10, 40)).as("exactly fits").isNull();
        open.incrementAndGet();
        assertThat(capacity.refusal(10, 40)).contains("needs about 40 file descriptors")
                .contains("holds " + open.get() + " of the 1024").contains("ulimit -n");
    }

    @Test
    void groupsStillOpeningCountAsHeldUntilTheirOpeningEnds() {
        GroupCapacity capacity = new GroupCapacity(3, new OpenFiles(1 << 20, () -> 100));
        List<Integer> held = new java.util.ArrayList<>(List.of(1));
        assertThat(capacity.admit(held.size(), 40)).as("second group").isNull();
        assertThat(capacity.admit(held.size(), 40)).as("third group, beside the second one opening").isNull();
        assertThat(capacity.admit(held.size(), 40)).as("a fourth, two opening").contains("already holds 3");
        capacity.opened(() -> held.add(2));
        assertThat(capacity.admit(held.size(), 40)).as("a fourth, one opened and one opening").isNotNull();
        capacity.opened(() -> { }); // the third failed to open
        assertThat(capacity.admit(held.size(), 40)).as("a fourth, in the failed one's place").isNull();
    }

    @Test
    void thisProcessHasALimitAndHoldsDescriptorsUnderIt() throws IOException {
        OpenFiles files = OpenFiles.ofThisProcess();
        assertThat(files.open()).isPositive().isLessThan(files.limit());
    }

    @Test
    void theSoftLimitIsReadFromProcLimits() throws IOException {
        List<String> limits = List.of(
                "Limit                     Soft Limit           Hard Limit           Units",
                "Max processes             95704                95704                processes",
                "Max open files            4096                 524288               files");
        assertThat(OpenFiles.softLimit(limits)).isEqualTo(4096);
        String unlimited = "Max open files            unlimited            unlimited            files";
        assertThat(OpenFiles.softLimit(List.of(unlimited))).isEqualTo(Long.MAX_VALUE);
    }
}
