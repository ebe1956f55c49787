package io.datamover.gateway.source.journal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.function.Supplier;

/** A channel to the file of the journal's current cycle, reopened when the cycle changes. One thread at a time. */
final class CycleFileHandle implements AutoCloseable {
    private File file;
    private int cycle = Integer.MIN_VALUE;
    private FileChannel channel;

    /**
     * The channel to the file of {@code currentCycle}, asking {@code currentFile} for it only when the cycle
     * changed (Chronicle resolves it through the file system, which costs more than the sync of a small group).
     */
    FileChannel channel(int currentCycle, Supplier<File> currentFile) {
        if (holds(currentCycle)) {
            return channel;
        }
        close();
        File target = currentFile.get();
        try {
            channel = FileChannel.open(target.toPath(), StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the journal file " + target, e);
        }
        file = target;
        cycle = currentCycle;
        return channel;
    }

    /** Whether the channel open is the file of {@code currentCycle}. */
    boolean holds(int currentCycle) {
        return currentCycle == cycle && channel != null;
    }

    File file() {
        return file;
    }

    @Override
    public void close() {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the journal file " + file, e);
        } finally {
            channel = null;
            file = null;
        }
    }
}
