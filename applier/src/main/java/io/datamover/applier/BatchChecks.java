package io.datamover.applier;

import io.datamover.applier.ApplyException.Reason;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The checks every entry of a batch passes before anything of the batch is stored or written: seq strictly
 * increasing inside the batch's range, disk known, range inside the disk, payload matching the CRC taken at the
 * tap. The applier runs them before writing; the target gateway before spooling, so a bad batch is refused while
 * the source can still be told.
 */
public final class BatchChecks {
    private BatchChecks() {}

    /**
     * @param disks the declared disk for an id, or null when there is none
     * @throws ApplyException naming the first entry that fails
     */
    public static void check(long firstSeq, long lastSeq, List<BlockWrite> entries, IntFunction<DiskInfo> disks)
            throws ApplyException {
        long previousSeq = firstSeq - 1;
        for (BlockWrite e : entries) {
            if (e.seq() <= previousSeq || e.seq() > lastSeq) {
                throw new ApplyException(Reason.BAD_ENTRY_SEQ, "batch [" + firstSeq + ", " + lastSeq
                        + "] has entry seq " + e.seq() + " after " + previousSeq);
            }
            previousSeq = e.seq();
            DiskInfo disk = disks.apply(e.disk());
            if (disk == null) {
                throw new ApplyException(Reason.UNKNOWN_DISK, "entry seq " + e.seq() + " names disk " + e.disk()
                        + ", which is not in this replica set");
            }
            if (e.endOffset() > disk.sizeBytes()) {
                throw new ApplyException(Reason.OUT_OF_RANGE, "entry seq " + e.seq() + " writes [" + e.offset()
                        + ", " + e.endOffset() + ") past the end of disk " + disk.name() + " (" + disk.sizeBytes()
                        + " bytes)");
            }
            if (!e.payloadCrcMatches()) {
                throw new ApplyException(Reason.CRC_MISMATCH, "entry seq " + e.seq() + " to disk " + disk.name()
                        + " at offset " + e.offset() + " does not match the CRC taken at the tap");
            }
        }
    }
}
