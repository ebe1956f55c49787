package io.datamover.gateway.source.ship;

import java.util.OptionalLong;

/**
 * Whether this gateway may ship a group's batches right now, and under which epoch: it leads the group in its site's
 * gateway group ({@code --coordination}, docs/coordination.md). Asked before every batch, never cached.
 */
@FunctionalInterface
public interface ShippingGate {
    /** Without coordination a gateway serves its groups alone, under epoch 0. */
    ShippingGate ALWAYS_OPEN = () -> OptionalLong.of(0);

    /** The epoch of this gateway's tenure of the group, or empty while it does not lead it (standby, demoted). */
    OptionalLong leadingEpoch();
}
