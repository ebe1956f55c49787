package io.datamover.gateway.source;

import io.datamover.disk.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A resync of the whole disks owed by a group's tap since an operator discarded the replica's data ({@code datamover
 * resync --discard replica}): the replica gave up what it held after the histories' common point and must get every
 * block again. Kept as {@code tap-resync-requested} in the group's directory until the tap's resync has sent every
 * disk's SYNC_END, so a gateway restarted meanwhile asks again. The tap is told once per run of this gateway, with
 * an ERROR RESYNC_REQUIRED in answer to its HELLO; its next connection is taken and carries the resync.
 */
final class TapResyncRequest {
    private static final Logger LOG = LoggerFactory.getLogger(TapResyncRequest.class);
    static final String FILE_NAME = "tap-resync-requested";

    private final Path file;
    private final String cg;
    private final Set<Integer> disks;
    private boolean owed;
    private boolean told;
    /** Disks whose SYNC_END came since the tap was told. */
    private final Set<Integer> endedSinceTold = new HashSet<>();

    private TapResyncRequest(Path file, String cg, Set<Integer> disks, boolean owed) {
        this.file = file;
        this.cg = cg;
        this.disks = Set.copyOf(disks);
        this.owed = owed;
    }

    static TapResyncRequest open(Path directory, CgIdentity identity) {
        Path file = directory.resolve(FILE_NAME);
        Set<Integer> disks = new HashSet<>();
        identity.disks().forEach(d -> disks.add(d.id()));
        return new TapResyncRequest(file, identity.cgLabel(), disks, Files.exists(file));
    }

    /** Records the request, durably, before the replica can take the discarding generation. */
    synchronized void request() throws IOException {
        DurableFiles.replace(file, ByteBuffer.wrap(("the tap of consistency group " + cg + " owes a resync of its"
                + " whole disks: the replica's data was discarded\n").getBytes(StandardCharsets.UTF_8)));
        owed = true;
        told = false;
        endedSinceTold.clear();
    }

    /** True, once per run of this gateway while the resync is owed: the tap connecting now is to be told. */
    synchronized boolean tellOnce() {
        if (!owed || told) {
            return false;
        }
        told = true;
        LOG.warn("cg {}: asking the tap for a resync of its whole disks (the replica's data was discarded)", cg);
        return true;
    }

    /** The tap sent {@code disk}'s SYNC_END; once every disk's came after it was told, the request is done. */
    synchronized void syncEnded(int disk) {
        if (!owed || !told) {
            return;
        }
        endedSinceTold.add(disk);
        if (endedSinceTold.containsAll(disks)) {
            owed = false;
            try {
                Files.deleteIfExists(file); // were it back after a crash, the tap would only be asked once more
                LOG.info("cg {}: the tap's resync of its whole disks has sent every SYNC_END", cg);
            } catch (IOException e) {
                LOG.warn("cg {}: cannot delete {}: the tap will be asked again at this gateway's next start: {}", cg,
                        file, e.toString());
            }
        }
    }
}
