package io.datamover.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * A focused fault test's starting point: a {@link ReplicationSite} on a 64 MiB disk with a 2 MiB tap window, and
 * a {@link CampaignWorkload} guest at 2 MiB/s whose writes have reached the replica (UP_TO_DATE, batches applied).
 */
final class ReplicatingGuest implements AutoCloseable {
    static final long DISK = 64L << 20;

    final Path initial;
    final ReplicationSite site;
    final CampaignWorkload guest;

    private ReplicatingGuest(Path initial, ReplicationSite site, CampaignWorkload guest) {
        this.initial = initial;
        this.site = site;
        this.guest = guest;
    }

    /** Starts the site in {@code base} (with {@code sourceOptions}) and the guest, and waits until it replicates. */
    static ReplicatingGuest start(Path base, List<String> sourceOptions, long guestSeed) throws Exception {
        return start(base, sourceOptions, guestSeed, site -> { });
    }

    /** As {@link #start(Path, List, long)}, with {@code beforeStart} applied to the site first (e.g. JVM options). */
    static ReplicatingGuest start(Path base, List<String> sourceOptions, long guestSeed,
            Consumer<ReplicationSite> beforeStart) throws Exception {
        Path initial = Disks.sparse(base.resolve("initial.img"), DISK);
        ReplicationSite site = new ReplicationSite(base, DISK, "2M", sourceOptions);
        beforeStart.accept(site);
        site.start();
        CampaignWorkload guest = null;
        try {
            guest = new CampaignWorkload(site.nbdPort(), ReplicationSite.EXPORT, DISK, 2L << 20, guestSeed).start();
            try {
                guest.awaitWrites(0, 20, FaultAwaits.DEADLINE);
            } catch (AssertionError e) {
                // A start that never replicates says why only in the daemons' logs: carry them into the failure.
                throw new AssertionError(e.getMessage() + "; tap " + site.tapStatus() + ", source "
                        + site.sourceStatus() + ", target " + site.targetStatus() + "\n" + site.logTails(), e);
            }
            FaultAwaits.replicating(site);
            return new ReplicatingGuest(initial, site, guest);
        } catch (Exception | AssertionError e) {
            try (site) {
                if (guest != null) {
                    guest.close();
                }
            }
            throw e;
        }
    }

    /** Waits for 20 more acknowledged writes: the guest is not stalled. */
    void keepsWriting() throws InterruptedException {
        guest.awaitWrites(guest.log().size(), 20, FaultAwaits.DEADLINE);
    }

    /** Stops the guest; the pair must converge to the source with every acknowledged write. */
    void converges() throws Exception {
        FaultAwaits.converges(site, guest, initial);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try (site) {
            guest.close();
        }
    }
}
