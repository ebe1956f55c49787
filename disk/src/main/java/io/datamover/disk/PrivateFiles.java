package io.datamover.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * Files and directories datamover creates are private whatever the umask: 0600 files (guest data, journals, spools,
 * bitmaps, stamps, locks) and 0700 directories. They are created with that mode, so there is no moment when another
 * user could open them. Only what datamover creates: an existing directory or file (the operator's) keeps its mode.
 */
public final class PrivateFiles {
    /** rw-------, as open(2) takes it. */
    static final int FILE_MODE = 0600;
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final FileAttribute<Set<PosixFilePermission>> FILE_ATTRIBUTE =
            PosixFilePermissions.asFileAttribute(FILE);
    private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_ATTRIBUTE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private PrivateFiles() {}

    /**
     * How {@code file} (a link is not followed) lets its group or others in, as {@code 0644; rw-r--r--}; empty when
     * only its owner may touch it, or when the file system has no POSIX modes. For secrets (private keys, the admin
     * token), which must be their owner's only.
     */
    public static Optional<String> openBeyondOwner(Path file) throws IOException {
        Set<PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException e) {
            return Optional.empty();
        }
        int bits = 0;
        for (PosixFilePermission p : mode) {
            bits |= 1 << (8 - p.ordinal());
        }
        return (bits & 0077) == 0 ? Optional.empty()
                : Optional.of(String.format("0%03o; %s", bits, PosixFilePermissions.toString(mode)));
    }

    /** Creates {@code directory} and its missing parents, each 0700; directories that exist are left as they are. */
    public static Path createDirectories(Path directory) throws IOException {
        return Files.createDirectories(directory, DIRECTORY_ATTRIBUTE);
    }

    /** Opens {@code file} with {@code options}; if they create it, it is created 0600. */
    public static FileChannel open(Path file, OpenOption... options) throws IOException {
        return FileChannel.open(file, Set.of(options), FILE_ATTRIBUTE);
    }

    /**
     * A new, empty file open for writing, created 0600: a temporary file about to be renamed into place. One a crash
     * left behind is deleted first, so the file written never keeps an older file's mode.
     */
    public static FileChannel createFresh(Path file) throws IOException {
        Files.deleteIfExists(file);
        return open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /**
     * Makes a file that a library created with the umask's mode (Chronicle Queue's files) 0600. Such files live in
     * a directory created 0700, so nobody else could open them before.
     */
    public static void restrict(Path file) throws IOException {
        Files.setPosixFilePermissions(file, FILE);
    }

    /** {@link #restrict} on each regular file directly in {@code directory}. */
    public static void restrictFilesIn(Path directory) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, Files::isRegularFile)) {
            for (Path file : files) {
                restrict(file);
            }
        }
    }
}
