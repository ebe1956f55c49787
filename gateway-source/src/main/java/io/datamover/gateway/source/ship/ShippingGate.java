package io.datamover.gateway.source.ship;

/**
 * Whether this gateway may ship a group's batches right now: it leads the group in its site's gateway group
 * ({@code --coordination}, docs/coordination.md). Asked before every batch, never cached.
 */
@FunctionalInterface
public interface ShippingGate {
    /** Without coordination a gateway serves its groups alone. */
    ShippingGate ALWAYS_OPEN = () -> true;

    boolean open();
}
