package io.datamover.applier;

import io.datamover.disk.DirectoryInUseException;
import io.datamover.disk.DirectoryLock;
import io.datamover.disk.DurableFiles;
import io.datamover.disk.PrivateFiles;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.ResyncRegions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reverse replication's step at the original site (docs/operations.md, "Reverse replication"): turns the original
 * disks into a replica set that a target gateway opens as it is, so that the recovery site, now the source, resyncs
 * only what differs: what the recovery site wrote since the promote (its tap's bitmap) and what the original site
 * wrote after the promoted seq (given here, from its tap's bitmap and its source journal), which is set back to the
 * promoted image.
 *
 * <p>How the target gateway learns the second half: the set's {@code written-regions} begins an epoch at the
 * promoted seq holding those regions, and the stamp's history is the original site's, followed by a generation of
 * its own (the original site's writes that no journal gave a seq). The recovery site's source starts its history with
 * the failover's generation after the common one flagged as discarding the replica, so the handshake decides
 * DISCARD_REPLICA back to the promoted seq, and the target answers "written after it" from that epoch, as for any
 * {@code resync --discard replica}.
 *
 * <p>Steps, under the set's directory lock, each repeatable: the images are hard-linked into the set's directory (the
 * disks are the replicas now: same files, nothing copied), {@code written-regions} is written, and the stamp last: a
 * set with a stamp is prepared, and a rerun changes nothing.
 */
public final class OriginalSiteReplicas {
    private static final Logger LOG = LoggerFactory.getLogger(OriginalSiteReplicas.class);

    /**
     * What the original site holds.
     *
     * @param pairId the pair, as its source gateway recorded it
     * @param disks the group's disks, as declared when it was protected
     * @param images each disk's image at the original site, by disk name
     * @param history the original source gateway's generation history for the group
     * @param journalSeq the highest seq its journal holds
     * @param writtenAfterPromote the ranges it wrote after the promoted seq (its tap's dirty regions, its journal's
     *     records past that seq), or null when they cannot be told (then everything is resynced)
     */
    public record Original(String pairId, int cgId, List<DiskInfo> disks, Map<String, Path> images,
            GenerationHistory history, long journalSeq, List<ResyncRegions.Range> writtenAfterPromote) {}

    private OriginalSiteReplicas() {}

    /**
     * Prepares the replica set in {@code directory} (the target gateway's {@code REPLICA_DIR/cg-N}).
     *
     * @param promotedSeq the seq of the image the recovery site promoted (its failover's report)
     * @return what was done, for the operator
     * @throws RollbackRefusedException refused, nothing changed: the directory holds another set, or is in use
     */
    public static String prepare(Path directory, Original original, long promotedSeq) throws IOException {
        PrivateFiles.createDirectories(directory);
        DirectoryLock lock;
        try {
            lock = DirectoryLock.acquire(directory, "datamover reverse");
        } catch (DirectoryInUseException e) {
            throw new RollbackRefusedException(e.getMessage() + " (stop the target gateway first)");
        }
        try (DirectoryLock held = lock) {
            return prepareLocked(directory, original, promotedSeq);
        }
    }

    private static String prepareLocked(Path directory, Original original, long promotedSeq) throws IOException {
        String cg = Integer.toUnsignedString(original.cgId());
        var stamp = ReplicaMetadataFile.read(directory);
        if (stamp.isPresent()) {
            if (!stamp.get().pairId().equals(original.pairId()) || stamp.get().cgId() != original.cgId()
                    || !stamp.get().disks().equals(original.disks())) {
                throw new RollbackRefusedException(directory + " already holds a replica set of pair '"
                        + stamp.get().pairId() + "' group " + stamp.get().cgId() + ": move it aside first");
            }
            LOG.info("cg {}: reverse step 3/3: prepared already: {}", cg, stamp.get().generations());
            return "consistency group " + cg + ": the original disks are a replica set already (" + directory
                    + ", " + stamp.get().generations() + "): start the target gateway";
        }
        for (DiskInfo disk : original.disks()) {
            linkImage(directory, disk, original.images().get(disk.name()));
        }
        DurableFiles.forceDirectory(directory);
        LOG.info("cg {}: reverse step 1/3: the original disks {} linked into {}", cg, original.images().keySet(),
                directory);
        CrashPoint.reached(CrashPoint.Point.REVERSE_DISKS_LINKED);
        long held = Math.max(original.journalSeq(), promotedSeq);
        long bytes = WrittenRegions.replaceWith(directory, original.cgId(), original.disks(), promotedSeq,
                original.writtenAfterPromote());
        LOG.info("cg {}: reverse step 2/3: the regions written after the promoted seq {} recorded ({} bytes{})", cg,
                promotedSeq, bytes, original.writtenAfterPromote() == null ? ", the whole disks: not known" : "");
        CrashPoint.reached(CrashPoint.Point.REVERSE_REGIONS_RECORDED);
        // A generation of the original site's own: its writes after the promote, outside any journal, are not the
        // history the recovery site continued, so the handshake never resumes (or adopts) over them.
        GenerationHistory history = original.history().isNone() ? GenerationHistory.first()
                : original.history().next(held, false);
        ReplicaMetadata prepared = new ReplicaMetadata(original.pairId(), original.cgId(), original.disks(),
                Collections.nCopies(original.disks().size(), ReplicaState.UP_TO_DATE), held, history);
        ReplicaMetadataFile.write(directory, prepared);
        LOG.info("cg {}: reverse step 3/3: stamped at seq {}, {}", cg, held, history);
        CrashPoint.reached(CrashPoint.Point.REVERSE_STAMPED);
        return "consistency group " + cg + ": the original disks are now the replica set " + directory + " ("
                + history + "); the regions written here after seq " + promotedSeq + " ("
                + (original.writtenAfterPromote() == null ? "not known: the whole disks" : bytes + " bytes")
                + ") are set back to the promoted image, with the recovery site's writes, when the recovery site's"
                + " source gateway connects: start the target gateway";
    }

    private static void linkImage(Path directory, DiskInfo disk, Path image) throws IOException {
        if (image == null) {
            throw new RollbackRefusedException("no image given for disk " + disk.name());
        }
        Path link = ReplicaSet.imagePath(directory, disk);
        if (Files.exists(link)) {
            if (!Files.isSameFile(link, image)) {
                throw new RollbackRefusedException(link + " exists and is not " + image + ": move it aside first");
            }
            return;
        }
        if (Files.size(image) != disk.sizeBytes()) {
            throw new RollbackRefusedException(image + " has " + Files.size(image) + " bytes, disk " + disk.name()
                    + " was protected with " + disk.sizeBytes());
        }
        try {
            Files.createLink(link, image);
        } catch (NoSuchFileException e) {
            throw new RollbackRefusedException("no image " + image + " for disk " + disk.name());
        } catch (IOException | UnsupportedOperationException e) {
            throw new RollbackRefusedException("cannot link " + image + " as " + link + " (" + e + "): the replica"
                    + " directory must be on the disks' file system");
        }
    }
}
