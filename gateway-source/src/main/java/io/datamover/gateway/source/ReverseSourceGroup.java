package io.datamover.gateway.source;

import io.datamover.disk.DirectoryInUseException;
import io.datamover.disk.DirectoryLock;
import io.datamover.disk.DurableFiles;
import io.datamover.disk.PrivateFiles;
import io.datamover.gateway.source.journal.Journal;
import io.datamover.gateway.source.journal.JournalConfig;
import io.datamover.gateway.source.journal.JournalStorageException;
import io.datamover.gateway.source.journal.JournalWriteException;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.EndedGeneration;
import io.datamover.protocol.GenerationHistory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reverse replication's step at the recovery site (docs/operations.md, "Reverse replication"): seeds a source
 * gateway's group directory, on the stopped gateway (its data directory's lock held), so that it continues the
 * promoted replicas' history. The steps are made in a staged directory beside it, which the gateway does not open,
 * then renamed into place: after a crash anywhere the gateway finds either no group or the whole seeded one.
 * <ol>
 *   <li>the group's identity (pair, disks: the promoted set's), so that the gateway opens it at its start;</li>
 *   <li>the journal starts after the promoted seq (the recovery tap's first write is the next seq, and the seq the
 *       original site is resynced back to is one this source holds);</li>
 *   <li>the tap owes a resync whose regions the target reports ({@code tap-resync-requested}, as after {@code resync
 *       --discard replica});</li>
 *   <li>last, the {@code generations} file: the promoted history, its common generation flagged as followed by one
 *       that discards the replica's data after it. The original site's replica set, not in that history since it
 *       wrote on after the promoted seq, then takes it by DISCARD_REPLICA back to that seq.</li>
 * </ol>
 * A rerun continues the staged steps (each repeatable) until the rename; after it, it changes nothing.
 */
public final class ReverseSourceGroup {
    private static final Logger LOG = LoggerFactory.getLogger(ReverseSourceGroup.class);
    /** A group directory being seeded: the gateway opens only {@code cg-N} directories. */
    static final String STAGED_PREFIX = ".reverse-";

    private ReverseSourceGroup() {}

    /**
     * @param promoted the promoted replica set's history ({@code F after G@promotedSeq})
     * @return what was done, for the operator
     * @throws IllegalStateException refused, nothing changed: the directory holds another history or a journal
     *     already written, or the gateway runs (its journal is locked)
     */
    public static String seed(Path dataDir, String pairId, int cgId, List<DiskInfo> disks, GenerationHistory promoted,
            long promotedSeq) throws IOException {
        requirePromoted(cgId, promoted, promotedSeq);
        PrivateFiles.createDirectories(dataDir);
        try (DirectoryLock held = lockStopped(dataDir)) {
            return seedLocked(dataDir, pairId, cgId, disks, promoted, promotedSeq,
                    "start the source gateway on it and point the recovery tap at it");
        }
    }

    /**
     * The same steps, by the running source gateway that holds {@code dataDir}'s lock ({@link GroupRegistry}, under the
     * group's open lock): reverse replication set up through its admin port. The gateway opens the group once this
     * returns; a rerun with the group open finds it continuing the promoted history and changes nothing.
     */
    static String seedHeld(Path dataDir, String pairId, int cgId, List<DiskInfo> disks, GenerationHistory promoted,
            long promotedSeq) throws IOException {
        requirePromoted(cgId, promoted, promotedSeq);
        return seedLocked(dataDir, pairId, cgId, disks, promoted, promotedSeq,
                "open in this source gateway: point the recovery tap at it");
    }

    private static void requirePromoted(int cgId, GenerationHistory promoted, long promotedSeq) {
        if (promoted.earlier().isEmpty() || promoted.earlier().getFirst().endSeq() != promotedSeq) {
            throw new IllegalStateException("consistency group " + Integer.toUnsignedString(cgId) + ": " + promoted
                    + " is not a promoted history ending its source's generation at seq " + promotedSeq);
        }
    }

    /** @param next what the operator does once it is seeded */
    private static String seedLocked(Path dataDir, String pairId, int cgId, List<DiskInfo> disks,
            GenerationHistory promoted, long promotedSeq, String next) throws IOException {
        String cg = Integer.toUnsignedString(cgId);
        Path directory = dataDir.resolve(SourceGroup.DIRECTORY_PREFIX + cg);
        GenerationHistory seeded = discarding(promoted);
        if (Files.exists(directory)) {
            if (!continuesAlready(directory, cg, promoted, "reverse", "the recovery site's")) {
                throw new IllegalStateException("consistency group " + cg + ": " + directory + " holds a group with"
                        + " no history: give the recovery site's source gateway a new data directory");
            }
            return "consistency group " + cg + ": the source gateway's directory " + directory
                    + " continues the promoted history already (" + GenerationLog.read(directory.resolve(
                            GenerationLog.FILE_NAME)) + ")";
        }
        Path staged = dataDir.resolve(STAGED_PREFIX + SourceGroup.DIRECTORY_PREFIX + cg);
        startJournal(staged, pairId, cgId, disks, promotedSeq);
        LOG.info("cg {}: reverse step 1/3: the journal starts after the promoted seq {} (staged in {})", cg,
                promotedSeq, staged);
        CrashPoint.reached(CrashPoint.Point.REVERSE_JOURNAL_STARTED);
        DurableFiles.replace(staged.resolve(TapResyncRequest.FILE_NAME), ByteBuffer.wrap(("the tap of consistency"
                + " group " + cg + " owes a resync: reverse replication; what to resync comes from the target\n")
                .getBytes(StandardCharsets.UTF_8)));
        LOG.info("cg {}: reverse step 2/3: the tap owes the resync the original site reports", cg);
        CrashPoint.reached(CrashPoint.Point.REVERSE_TAP_RESYNC_OWED);
        GenerationLog.seed(staged, seeded);
        CrashPoint.reached(CrashPoint.Point.REVERSE_HISTORY_SEEDED);
        Files.move(staged, directory, StandardCopyOption.ATOMIC_MOVE);
        DurableFiles.forceDirectory(dataDir);
        LOG.info("cg {}: reverse step 3/3: {}, in place in {}", cg, seeded, directory);
        return "consistency group " + cg + ": the source gateway's directory " + directory + " continues the promoted"
                + " history from seq " + promotedSeq + " (" + seeded + "): " + next;
    }

    /** The data directory's lock, as the source gateway takes it: refused while the gateway runs. */
    private static DirectoryLock lockStopped(Path dataDir) throws IOException {
        try {
            return DirectoryLock.acquire(dataDir, "datamover reverse");
        } catch (DirectoryInUseException e) {
            throw new IllegalStateException(e.getMessage() + ": stop that source gateway first", e);
        }
    }

    /**
     * Failback's step at the original site (docs/operations.md, "Failback"): seeds a new source gateway directory so
     * that it continues {@code shared}, the history both sites hold at {@code seq}: its journal starts after that seq
     * and nothing is owed to the tap. The gateway's first opening starts a generation after {@code shared}, which the
     * recovery site's replicas (at {@code seq} in {@code shared}) adopt with nothing to ship. Repeatable.
     *
     * @return true when it seeded, false when the directory continued {@code shared} already
     * @throws IllegalStateException refused, nothing changed: another history there, or its gateway runs
     */
    public static boolean seedForward(Path dataDir, String pairId, int cgId, List<DiskInfo> disks,
            GenerationHistory shared, long seq) throws IOException {
        String cg = Integer.toUnsignedString(cgId);
        Path directory = dataDir.resolve(SourceGroup.DIRECTORY_PREFIX + cg);
        if (continuesAlready(directory, cg, shared, "failback", "the original site's")) {
            return false;
        }
        startJournal(directory, pairId, cgId, disks, seq);
        GenerationLog.seed(directory, shared);
        LOG.info("cg {}: failback: the source gateway's directory {} continues {} after seq {}", cg, directory,
                shared, seq);
        return true;
    }

    /**
     * Whether {@code directory}'s history continues {@code history} already (a rerun).
     *
     * @throws IllegalStateException it holds another history
     */
    private static boolean continuesAlready(Path directory, String cg, GenerationHistory history, String operation,
            String whose) throws IOException {
        Path generations = directory.resolve(GenerationLog.FILE_NAME);
        if (!Files.exists(generations)) {
            return false;
        }
        GenerationHistory held = GenerationLog.read(generations);
        if (held.contains(history.current())) {
            LOG.info("cg {}: {}: {} continues {} already: nothing to do", cg, operation, generations, history);
            return true;
        }
        throw new IllegalStateException("consistency group " + cg + ": " + directory + " holds another history ("
                + held + "): give " + whose + " source gateway a new data directory");
    }

    /** The group's identity (so the gateway opens it at its start), and its journal started after {@code seq}. */
    private static void startJournal(Path directory, String pairId, int cgId, List<DiskInfo> disks, long seq)
            throws IOException {
        PrivateFiles.createDirectories(directory);
        // The group opens when the gateway starts, not at the tap's first contact: its target's report of what the
        // tap is to resync is then in before the tap connects, and the tap resyncs once.
        CgIdentityFile.write(directory, new CgIdentity(pairId, cgId, disks.getFirst().name(), disks));
        try (Journal journal = openStoppedJournal(directory, JournalConfig.MIN_MAX_BYTES)) {
            journal.startAfter(seq);
        } catch (JournalWriteException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * The journal of the group in {@code directory}, for a command on the stopped gateway's directory.
     *
     * @throws IllegalStateException when the gateway runs (it holds the journal's lock)
     */
    static Journal openStoppedJournal(Path directory, long maxBytes) throws IOException {
        try {
            return Journal.open(JournalConfig.of(directory.resolve("journal"), maxBytes), new SimpleMeterRegistry(),
                    InstantSource.system());
        } catch (JournalStorageException e) {
            if (e.getCause() instanceof DirectoryInUseException) {
                throw new IllegalStateException(e.getMessage() + ": stop that source gateway first", e);
            }
            throw new IOException(e.getMessage(), e);
        }
    }

    /** {@code promoted} with the generation it ended flagged: the one after it discards the replica's data. */
    private static GenerationHistory discarding(GenerationHistory promoted) {
        List<EndedGeneration> earlier = new ArrayList<>(promoted.earlier());
        EndedGeneration common = earlier.getFirst();
        earlier.set(0, new EndedGeneration(common.id(), common.endSeq(), true));
        return new GenerationHistory(promoted.current(), earlier);
    }
}
