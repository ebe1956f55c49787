package io.datamover.gateway.source.journal;

import io.datamover.disk.PrivateFiles;
import io.datamover.disk.SparseFile;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The journal's current cycle file, opened once and reopened when the cycle changes. One thread at a time. */
final class CycleFileHandle implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CycleFileHandle.class);
    private File file;
    private int cycle = Integer.MIN_VALUE;
    private SparseFile open;

    /**
     * The file of {@code currentCycle}, asking {@code currentFile} for it only when the cycle changed (Chronicle
     * resolves it through the file system, which costs more than the sync of a small group).
     */
    SparseFile file(int currentCycle, Supplier<File> currentFile) {
        if (holds(currentCycle)) {
            return open;
        }
        close();
        File target = currentFile.get();
        try {
            open = SparseFile.openReadWrite(target.toPath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the journal file " + target, e);
        }
        try {
            // Chronicle created it with the umask's mode, in the journal's 0700 directory: private from its first sync.
            PrivateFiles.restrict(target.toPath());
        } catch (IOException e) {
            LOG.error("cannot make the journal file {} private (0600): {}", target, e.toString());
        }
        file = target;
        cycle = currentCycle;
        return open;
    }

    /** Whether the file open is the file of {@code currentCycle}. */
    boolean holds(int currentCycle) {
        return currentCycle == cycle && open != null;
    }

    File file() {
        return file;
    }

    @Override
    public void close() {
        if (open == null) {
            return;
        }
        try {
            open.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the journal file " + file, e);
        } finally {
            open = null;
            file = null;
        }
    }
}
