package io.datamover.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Small state files replaced atomically and durably: after a crash either the old or the new content is there. */
public final class DurableFiles {
    private DurableFiles() {}

    /**
     * Replaces {@code file} with {@code content}: writes a temporary sibling, fsyncs it, renames it over the
     * file and fsyncs the directory, so a crash at any point leaves one whole version. The file is private (0600).
     */
    public static void replace(Path file, ByteBuffer content) throws IOException {
        replace(file, content, PrivateFiles::createFresh);
    }

    /**
     * As {@link #replace(Path, ByteBuffer)}, for a file others may read (a certificate): created with the process's
     * umask, not 0600.
     */
    public static void replaceReadable(Path file, ByteBuffer content) throws IOException {
        replace(file, content, temporary -> {
            Files.deleteIfExists(temporary); // a crash's leftover
            return FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        });
    }

    private interface Creator {
        FileChannel create(Path temporary) throws IOException;
    }

    private static void replace(Path file, ByteBuffer content, Creator creator) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = creator.create(temporary)) {
            ByteBuffer b = content.duplicate();
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(file.toAbsolutePath().getParent());
    }

    /** Makes created, renamed or deleted names in {@code directory} durable. */
    public static void forceDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
