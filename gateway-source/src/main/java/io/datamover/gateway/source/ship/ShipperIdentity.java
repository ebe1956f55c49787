package io.datamover.gateway.source.ship;

import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.Feature;
import io.datamover.protocol.Hello;
import io.datamover.protocol.Role;
import java.util.List;

/**
 * Who the shipper says it is in its HELLO: this gateway, the replication pair, the consistency
 * group and its disks (as the tap declared them). Validated once, here.
 *
 * @param senderId this source gateway's identity (e.g. its host name)
 */
public record ShipperIdentity(String senderId, String pairId, int cgId, String cgName, List<DiskInfo> disks) {
    public ShipperIdentity {
        disks = List.copyOf(disks);
        Hello.of(Role.SOURCE_GATEWAY, senderId, pairId, cgId, cgName, disks);
    }

    /** The HELLO every connection opens with; LZ4 is offered only when compression is enabled. */
    Hello hello(boolean offerLz4) {
        Hello all = Hello.of(Role.SOURCE_GATEWAY, senderId, pairId, cgId, cgName, disks);
        if (offerLz4) {
            return all;
        }
        return new Hello(all.protocolMin(), all.protocolMax(), all.features() & ~Feature.LZ4_BATCHES.mask(),
                all.role(), senderId, pairId, cgId, cgName, disks);
    }
}
