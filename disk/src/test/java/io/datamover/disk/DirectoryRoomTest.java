package io.datamover.disk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The room check on a real directory: what its file system has free decides, and a refusal names the store. */
class DirectoryRoomTest {
    @TempDir
    Path directory;

    @Test
    void roomWithinTheFreeSpaceAndARefusalNamingTheStoreBeyondIt() throws Exception {
        long usable = Files.getFileStore(directory).getUsableSpace();
        assertThat(DirectoryRoom.refusal(directory, 1, "a journal")).isNull();
        assertThat(DirectoryRoom.refusal(directory, Long.MAX_VALUE, "a group's journal (--journal-max)"))
                .startsWith(directory + " has ").contains("bytes free, a group's journal (--journal-max) may take "
                        + Long.MAX_VALUE);
        assertThat(usable).isPositive();
    }

    @Test
    void aMissingDirectoryIsARefusal() {
        assertThat(DirectoryRoom.refusal(directory.resolve("gone"), 1, "a journal"))
                .startsWith("cannot tell the free space of " + directory.resolve("gone"));
    }
}
