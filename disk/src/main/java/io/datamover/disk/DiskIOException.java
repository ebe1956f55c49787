package io.datamover.disk;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A native file call failed. The message names the file, the call and the errno, so an operator can act on it
 * without a stack trace.
 */
public final class DiskIOException extends IOException {

    private final Path file;
    private final String call;
    private final int errno;

    DiskIOException(Path file, String call, int errno) {
        super(call + " failed on " + file + ": " + Libc.describe(errno));
        this.file = file;
        this.call = call;
        this.errno = errno;
    }

    /** The file the call was made on. */
    public Path file() {
        return file;
    }

    /** The native call with its arguments, e.g. {@code fallocate(PUNCH_HOLE, offset=0, length=4096)}. */
    public String call() {
        return call;
    }

    /** The Linux errno the call returned. */
    public int errno() {
        return errno;
    }

    /** True when the file system does not support the call (EOPNOTSUPP), e.g. punching holes on a FAT disk. */
    public boolean isUnsupported() {
        return errno == Libc.EOPNOTSUPP;
    }

    /** True when the device or the user's quota is full (ENOSPC, EDQUOT, EFBIG). */
    public boolean isOutOfSpace() {
        return errno == Libc.ENOSPC || errno == Libc.EDQUOT || errno == Libc.EFBIG;
    }
}
