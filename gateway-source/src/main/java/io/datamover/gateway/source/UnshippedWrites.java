package io.datamover.gateway.source;

import io.datamover.gateway.source.journal.Journal;
import io.datamover.gateway.source.journal.JournalReader;
import io.datamover.protocol.BlockWrite;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.WriteRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a stopped source gateway at the original site holds that the recovery site may never have applied: the
 * records of its journal after the seq the recovery site promoted (docs/operations.md, "Reverse replication"). Read
 * on the stopped gateway's directory (its journal lock refuses a running one).
 *
 * @param writtenAfter the ranges those records write, or null when the journal released records after that seq
 *     (the target acknowledged them, the failover dropped them: not known which regions they wrote)
 */
public record UnshippedWrites(String pairId, int cgId, List<DiskInfo> disks, GenerationHistory history,
        long journalSeq, List<ResyncRegions.Range> writtenAfter) {

    /** Reads group {@code cgId} of the source gateway's data directory {@code dataDir}. */
    public static UnshippedWrites read(Path dataDir, int cgId, long promotedSeq) throws IOException {
        Path directory = dataDir.resolve(SourceGroup.DIRECTORY_PREFIX + Integer.toUnsignedString(cgId));
        CgIdentity identity = CgIdentityFile.read(directory).orElseThrow(() -> new IllegalStateException(directory
                + " holds no consistency group (no " + CgIdentityFile.FILE_NAME + ")"));
        GenerationHistory history = Files.exists(directory.resolve(GenerationLog.FILE_NAME))
                ? GenerationLog.read(directory.resolve(GenerationLog.FILE_NAME)) : GenerationHistory.NONE;
        try (Journal journal = ReverseSourceGroup.openStoppedJournal(directory, Long.MAX_VALUE / 2)) {
            if (journal.releasedSeq() > promotedSeq) {
                return new UnshippedWrites(identity.pairId(), cgId, identity.disks(), history, journal.durableSeq(),
                        null);
            }
            List<ResyncRegions.Range> ranges = new ArrayList<>();
            try (JournalReader reader = journal.newReader()) {
                reader.seekTo(promotedSeq + 1);
                for (WriteRecord r = reader.next(); r != null; r = reader.next()) {
                    BlockWrite w = r.write();
                    if (!w.kind().isMarker() && w.length() > 0) {
                        ranges.add(new ResyncRegions.Range(w.disk(), w.offset(), w.length()));
                    }
                    r.release();
                }
            }
            return new UnshippedWrites(identity.pairId(), cgId, identity.disks(), history, journal.durableSeq(),
                    ranges);
        }
    }
}
