package io.datamover.disk;

import java.io.IOException;
import java.nio.file.Path;

/** A data directory another process, or another owner in this process, holds: see {@link DirectoryLock}. */
public final class DirectoryInUseException extends IOException {
    private final long holderPid;

    DirectoryInUseException(Path directory, String holder, long holderPid, boolean thisProcess) {
        super(directory + " is in use by " + holder + (thisProcess ? " in this process" : "") + " (pid "
                + (holderPid > 0 ? Long.toString(holderPid) : "unknown") + "): one owner per directory; stop it or"
                + " give this one its own directory");
        this.holderPid = holderPid;
    }

    /** The holder's pid, or -1 when it could not be read. */
    public long holderPid() {
        return holderPid;
    }
}
