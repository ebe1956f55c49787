package io.datamover.coordination;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The meters of a gateway's coordination, the same at a source and a target gateway: {@code
 * datamover.coordination.connected} and {@code .assigner} per gateway; per group {@code .leading} (1 while this gateway
 * may act as the group's leader), {@code .epoch} (of its latest tenure here), {@code .tenures} (takeovers by this
 * gateway), {@code .takeover.seconds}, {@code .standbys} and {@code .takeover.wait.seconds}.
 */
public final class CoordinationMeters {
    private CoordinationMeters() {}

    /** The gateway's own meters. */
    public static void registerGateway(GatewayCoordination coordination, MeterRegistry registry) {
        Gauge.builder("datamover.coordination.connected", coordination, c -> c.connected() ? 1 : 0)
                .description("1 while the gateway's ZooKeeper session is connected").register(registry);
        Gauge.builder("datamover.coordination.assigner", coordination, c -> c.assigning() ? 1 : 0)
                .description("1 while this gateway is its site's assigner (scale-out)").register(registry);
    }

    /** The meters of {@code group} (tagged {@code cg}); once per group (Micrometer warns of a second registration). */
    public static void registerGroup(GatewayCoordination coordination, String group, MeterRegistry registry) {
        Gauge.builder("datamover.coordination.leading", coordination, c -> c.leadingEpoch(group).isPresent() ? 1 : 0)
                .description("1 while this gateway leads the group and may act as its leader").tag("cg", group)
                .register(registry);
        Gauge.builder("datamover.coordination.epoch", coordination, c -> epochOf(c.leadership(group)))
                .description("the epoch of this gateway's latest tenure of the group").tag("cg", group)
                .register(registry);
        FunctionCounter.builder("datamover.coordination.tenures", coordination, c -> c.tenures(group))
                .description("tenures of the group this gateway began (takeovers by this gateway)")
                .tag("cg", group).register(registry);
        Gauge.builder("datamover.coordination.takeover.seconds", coordination,
                        c -> c.lastTakeover(group).toNanos() / 1e9)
                .description("how long this gateway's latest takeover of the group took, from the lock coming to it"
                        + " (the previous leader's latch node gone from ZooKeeper) to leading under the raised epoch")
                .tag("cg", group).register(registry);
        Gauge.builder("datamover.coordination.standbys", coordination, c -> c.standbys(group).size())
                .description("the other live gateways of the site contending for the group (asked of ZooKeeper while"
                        + " connected: 0 while not)").tag("cg", group).register(registry);
        Gauge.builder("datamover.coordination.takeover.wait.seconds", coordination,
                        c -> c.lastWait(group).toNanos() / 1e9)
                .description("how long this gateway's latest tenure of the group waited for its lock, from"
                        + " contending (or its previous tenure's end) to leading").tag("cg", group)
                .register(registry);
    }

    private static double epochOf(Leadership leadership) {
        return leadership == null ? 0 : leadership.epoch();
    }
}
