package io.datamover.gateway.source;

import io.datamover.gateway.source.ship.ShipperStatus;
import java.util.Set;

/**
 * One consistency group as the source gateway sees it, for status, the demo and benchmarks.
 *
 * @param identity pair, cg id and name, disks, as the tap first declared them
 * @param tapConnected a tap is attached and streaming into the journal
 * @param tapPaused the attached tap's operator paused its replication (its heartbeats say so)
 * @param journalBytes bytes the journal retains (records not yet released behind the target's acks)
 * @param journalMaxBytes the journal's configured bound; at it the tap is sent to bitmap mode
 * @param disksSyncing disk ids whose SYNC_BEGIN the tap sent since this gateway started, without their SYNC_END
 *     yet (a sync begun before a restart of this gateway is not known here)
 * @param lastTapError why the latest tap connection ended on an error (either side's), or null
 * @param journalError what keeps the journal from taking records or the group from shipping (a full or failing
 *     disk, tried again on its own; a thread that failed, its group being reopened), or null when nothing does
 * @param shipping what has been shipped and applied, the lag and the RPO of what reached the journal
 * @param rpoSeconds the group's RPO as this gateway can bound it: the shipping RPO while a tap is attached; while
 *     none is, at least the time since the tap went away (or since this gateway opened the group), because the
 *     guest may have written since and those writes are only dirty bits at the tap
 */
public record SourceGroupStatus(CgIdentity identity, boolean tapConnected, boolean tapPaused, long journalBytes,
        long journalMaxBytes,
        Set<Integer> disksSyncing, String lastTapError, String journalError, ShipperStatus shipping,
        double rpoSeconds) {

    /** The group's replication as the source gateway can tell it (docs/pipeline.md, "Status"). */
    public enum Mode {
        /** A tap is attached and its writes are journaled and shipped. */
        STREAMING,
        /** A tap is attached and a sync of at least one disk is in the stream (SYNC_BEGIN without SYNC_END). */
        RESYNCING,
        /**
         * A tap is attached and its operator paused replication ({@code datamover pause}): the guest's writes are kept
         * as dirty regions at the tap and reach the journal only after the resume's resync.
         */
        PAUSED,
        /**
         * No tap is attached: its guest's writes, if any, are kept as dirty bits at the tap (or the tap is down);
         * the gateway cannot tell which, so it does not claim BITMAP.
         */
        DISCONNECTED,
        /**
         * The target and this gateway refuse each other: their generation histories disagree (docs/protocol.md,
         * "Generations"). The tap's writes are still journaled; nothing is shipped until an operator resolves it.
         */
        DIVERGED
    }

    public SourceGroupStatus {
        disksSyncing = Set.copyOf(disksSyncing);
    }

    public Mode mode() {
        if (shipping.diverged()) {
            return Mode.DIVERGED;
        }
        if (!tapConnected) {
            return Mode.DISCONNECTED;
        }
        if (tapPaused) {
            return Mode.PAUSED;
        }
        return disksSyncing.isEmpty() ? Mode.STREAMING : Mode.RESYNCING;
    }
}
