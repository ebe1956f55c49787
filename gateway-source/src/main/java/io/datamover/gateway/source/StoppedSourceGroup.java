package io.datamover.gateway.source;

import io.datamover.gateway.source.journal.Journal;
import io.datamover.protocol.GenerationHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a stopped source gateway's group holds and has shipped, read for a failback at the recovery site
 * (docs/operations.md, "Failback"): the failback is at RPO 0 only when the target acknowledged every seq the journal
 * holds and no resync is still owed to the tap.
 *
 * @param history the group's generation history
 * @param durableSeq the highest seq its journal holds durably
 * @param releasedSeq the highest seq the target acknowledged as durable (the journal released it)
 * @param tapResyncOwed the tap still owes a resync the target asked for (reverse replication not finished)
 */
public record StoppedSourceGroup(GenerationHistory history, long durableSeq, long releasedSeq,
        boolean tapResyncOwed) {

    /**
     * Reads group {@code cgId} of the stopped source gateway's data directory {@code dataDir}.
     *
     * @throws IllegalStateException the directory holds no such group, or its gateway runs (the journal is locked)
     */
    public static StoppedSourceGroup read(Path dataDir, int cgId) throws IOException {
        Path directory = dataDir.resolve(SourceGroup.DIRECTORY_PREFIX + Integer.toUnsignedString(cgId));
        Path generations = directory.resolve(GenerationLog.FILE_NAME);
        if (!Files.exists(generations)) {
            throw new IllegalStateException(directory + " holds no generation history of consistency group "
                    + Integer.toUnsignedString(cgId) + ": not a source gateway's group");
        }
        try (Journal journal = ReverseSourceGroup.openStoppedJournal(directory, Long.MAX_VALUE / 2)) {
            return new StoppedSourceGroup(GenerationLog.read(generations), journal.durableSeq(),
                    journal.releasedSeq(), Files.exists(directory.resolve(TapResyncRequest.FILE_NAME)));
        }
    }
}
