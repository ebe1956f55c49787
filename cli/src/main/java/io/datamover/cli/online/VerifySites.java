package io.datamover.cli.online;

import io.datamover.disk.Extent;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** The two sites of an online verify, as {@link OnlineVerify} sees them: who digests what, and who repairs. */
public interface VerifySites {
    /**
     * The source's digests of some regions, the stretch of STREAMING the read was made in (-1: the group did not stream
     * throughout; two reads in one stretch saw no resync between them), and its last seq after the read.
     */
    record SourceRead(long streamingStretch, long lastSeq, List<String> digests, long bytesRead) {
        boolean streamed() {
            return streamingStretch >= 0;
        }
    }

    /** The replica's digests of some regions at {@code appliedSeq}, and whether the group was UP_TO_DATE then. */
    record ReplicaRead(long appliedSeq, boolean upToDate, List<String> digests, long bytesRead) {}

    /** The source disks' names and sizes, in order. */
    Map<String, Long> sourceDisks() throws IOException, InterruptedException;

    /** Digests {@code count} regions of {@code regionBytes} of {@code disk} from {@code offset} at the source. */
    SourceRead source(String disk, long offset, int regionBytes, int count) throws IOException, InterruptedException;

    /** The same regions of the replica, once it applied at least {@code minSeq}. */
    ReplicaRead replica(String disk, long offset, int regionBytes, int count, long minSeq)
            throws IOException, InterruptedException;

    /** Has the source resync {@code ranges} of {@code disk} (the tap's region resync). */
    void repair(String disk, List<Extent> ranges) throws IOException, InterruptedException;

    /** Leaves the outcome where it becomes metrics (the source site's tap): regions compared, different, unsettled. */
    void outcome(long compared, long different, long unsettled) throws IOException, InterruptedException;
}
