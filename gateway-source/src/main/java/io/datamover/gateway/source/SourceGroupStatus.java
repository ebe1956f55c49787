package io.datamover.gateway.source;

import io.datamover.gateway.source.ship.ShipperStatus;

/**
 * One consistency group as the source gateway sees it, for status, the demo and benchmarks.
 *
 * @param identity pair, cg id and name, disks, as the tap first declared them
 * @param tapConnected a tap is attached and streaming into the journal
 * @param journalBytes bytes the journal retains (records not yet released behind the target's acks)
 * @param journalMaxBytes the journal's configured bound; at it the tap is sent to bitmap mode
 * @param shipping what has been shipped and applied, the lag and the RPO
 */
public record SourceGroupStatus(CgIdentity identity, boolean tapConnected, long journalBytes, long journalMaxBytes,
        ShipperStatus shipping) {}
