package io.datamover.disk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a directory's file system has room for a store that may grow to a known bound (a group's journal, its
 * spool), checked before a daemon takes a group on, so the operator hears it then, not from a full disk later.
 */
public final class DirectoryRoom {
    private DirectoryRoom() {}

    /**
     * Null when {@code directory}'s file system has at least {@code neededBytes} usable; otherwise why not, in words
     * for the operator.
     *
     * @param what the store and its bound, as the refusal names it ("a group's journal (--journal-max)")
     */
    public static String refusal(Path directory, long neededBytes, String what) {
        long usable;
        try {
            usable = Files.getFileStore(directory).getUsableSpace();
        } catch (IOException e) {
            return "cannot tell the free space of " + directory + ": " + e.getMessage();
        }
        if (usable < neededBytes) {
            return directory + " has " + usable + " bytes free, " + what + " may take " + neededBytes;
        }
        return null;
    }
}
