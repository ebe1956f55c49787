package io.datamover.gateway.source;

import io.datamover.disk.DurableFiles;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.ResyncRegions;
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
 * A resync owed by a group's tap since an operator discarded the replica's data ({@code datamover resync --discard
 * replica}): the replica gave up what it held after the histories' common point, and the blocks it was written in
 * after it must be sent again. Kept as {@code tap-resync-requested} in the group's directory until the tap's resync
 * has sent every disk's SYNC_END, so a gateway restarted meanwhile asks again.
 *
 * <p>Two steps: {@link #request} (the discard) records it as owed, what to resync not known yet; {@link #reported}
 * records the ranges the target reports (RESYNC_REGIONS, docs/protocol.md), or everything, in the same file (the
 * frame itself). Only then is the tap told, once per run of this gateway: RESYNC_REGIONS, then an ERROR
 * RESYNC_REQUIRED; its next connection is taken and carries the resync.
 */
final class TapResyncRequest {
    private static final Logger LOG = LoggerFactory.getLogger(TapResyncRequest.class);
    static final String FILE_NAME = "tap-resync-requested";

    private final Path file;
    private final String cg;
    private final Set<Integer> disks;
    private boolean owed;
    /** What to resync; null while the target has not reported it. */
    private ResyncRegions regions;
    private boolean told;
    /** Disks whose SYNC_BEGIN came since the tap was told: only their resync can cover what it was told. */
    private final Set<Integer> begunSinceTold = new HashSet<>();
    /** Disks whose SYNC_END came since the tap was told, of a resync begun since. */
    private final Set<Integer> endedSinceTold = new HashSet<>();

    private TapResyncRequest(Path file, CgIdentity identity, Set<Integer> disks) {
        this.file = file;
        this.cg = identity.cgLabel();
        this.disks = Set.copyOf(disks);
    }

    static TapResyncRequest open(Path directory, CgIdentity identity) throws IOException {
        Set<Integer> disks = new HashSet<>();
        identity.disks().forEach(d -> disks.add(d.id()));
        TapResyncRequest request = new TapResyncRequest(directory.resolve(FILE_NAME), identity, disks);
        if (Files.exists(request.file)) {
            request.owed = true;
            request.regions = reportIn(Files.readAllBytes(request.file));
        }
        return request;
    }

    /** The report a file holds, or null when it holds the request only (this build's, or an earlier one's text). */
    private static ResyncRegions reportIn(byte[] bytes) {
        try {
            return ResyncRegions.fromBytes(bytes);
        } catch (ProtocolException e) {
            return null; // the target is asked again at the next connection; if it has nothing, everything
        }
    }

    /** Records the request, durably, before the replica can take the discarding generation. */
    synchronized void request() throws IOException {
        DurableFiles.replace(file, ByteBuffer.wrap(("the tap of consistency group " + cg + " owes a resync: the"
                + " replica's data was discarded; what to resync comes from the target\n")
                .getBytes(StandardCharsets.UTF_8)));
        owed = true;
        regions = null;
        told = false;
        begunSinceTold.clear();
        endedSinceTold.clear();
    }

    /** Whether the target's report of what to resync is awaited. */
    synchronized boolean awaitingReport() {
        return owed && regions == null;
    }

    /**
     * The target reported what to resync ({@code reported} is everything when it did not say): kept durably; a report
     * that is not awaited is ignored (a target sends it after each HELLO_ACK until the resync ends).
     *
     * @return whether it was taken: the tap is now to be told
     */
    synchronized boolean reported(ResyncRegions reported) throws IOException {
        if (!owed || regions != null) {
            return false;
        }
        DurableFiles.replace(file, ByteBuffer.wrap(reported.toBytes()));
        regions = reported;
        LOG.warn("cg {}: the target reports what the replica was written in after the discarded point: {}", cg,
                reported.everything() ? "not known, the whole disks" : reported.bytes() + " bytes in "
                        + reported.ranges().size() + " ranges");
        return true;
    }

    /**
     * What the tap connecting now is to resync: once per run of this gateway while a resync is owed and the target
     * reported it; else null.
     */
    synchronized ResyncRegions tellOnce() {
        if (!owed || told || regions == null) {
            return null;
        }
        told = true;
        LOG.warn("cg {}: asking the tap for a resync of {} (the replica's data was discarded)", cg,
                regions.everything() ? "its whole disks" : regions.ranges().size() + " ranges, " + regions.bytes()
                        + " bytes");
        return regions;
    }

    /** The tap sent {@code disk}'s SYNC_BEGIN. */
    synchronized void syncBegan(int disk) {
        if (owed && told) {
            begunSinceTold.add(disk);
        }
    }

    /**
     * The tap sent {@code disk}'s SYNC_END; once every disk's came of a resync begun after the tap was told, the
     * request is done (the end of a resync begun before cannot hold the regions it was told).
     */
    synchronized void syncEnded(int disk) {
        if (!owed || !told || !begunSinceTold.contains(disk)) {
            return;
        }
        endedSinceTold.add(disk);
        if (endedSinceTold.containsAll(disks)) {
            owed = false;
            regions = null;
            try {
                Files.deleteIfExists(file); // were it back after a crash, the tap would only be asked once more
                LOG.info("cg {}: the tap's resync has sent every SYNC_END", cg);
            } catch (IOException e) {
                LOG.warn("cg {}: cannot delete {}: the tap will be asked again at this gateway's next start: {}", cg,
                        file, e.toString());
            }
        }
    }

}
