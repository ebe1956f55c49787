package io.datamover.gateway.source.ship;

import io.datamover.protocol.ResyncRegions;
import java.io.IOException;

/**
 * Where the target's report of what a discard of the replica's data must resync goes (RESYNC_REGIONS after its
 * HELLO_ACK, docs/protocol.md): the group's owed tap resync.
 */
public interface DiscardReports {
    /** Whether a report is awaited: a discard was requested and no report kept yet. */
    boolean awaitingReport();

    /** The target's report ({@code everything} when it sent none); kept durably. Called on the link's event loop. */
    void reported(ResyncRegions regions) throws IOException;
}
