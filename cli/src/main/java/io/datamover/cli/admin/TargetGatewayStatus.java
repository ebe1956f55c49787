package io.datamover.cli.admin;

import io.datamover.gateway.target.ConsistencyGroupStatus;
import io.datamover.gateway.target.TargetGateway;
import io.datamover.protocol.SplitBrainRegions;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * The target gateway's status: per group the replica state (UP_TO_DATE only when every disk is; INCONSISTENT when
 * any disk is), held and applied seqs, the spool, throughput (records applied and body bytes received per second)
 * and why applying stopped, if it did. The target does not know tap-time ages: the lag in seconds is the source
 * gateway's. A running rehearsal shows as the group's operation ({@link RehearsalActions#describe}).
 */
public final class TargetGatewayStatus implements StatusSource {
    private static final String BYTES_RECEIVED = "datamover.target.bytes.received";

    private final String id;
    private final TargetGateway gateway;
    private final long spoolMaxBytes;
    private final MeterRegistry registry;
    private final Rates rates = new Rates(10, System::nanoTime);
    private final RoleMetrics roles;
    private final SplitBrainMetrics splitBrains;

    public TargetGatewayStatus(String id, TargetGateway gateway, long spoolMaxBytes, MeterRegistry registry) {
        this.id = id;
        this.gateway = gateway;
        this.spoolMaxBytes = spoolMaxBytes;
        this.registry = registry;
        this.roles = new RoleMetrics(registry);
        this.splitBrains = new SplitBrainMetrics(registry);
    }

    @Override
    public void tick() {
        roles.update(gateway.consistencyGroups().stream().map(g -> new RoleMetrics.Row(
                Integer.toUnsignedString(g.cgId()), g.role(), g.operation() != null)).toList());
        for (ConsistencyGroupStatus group : gateway.consistencyGroups()) {
            String cg = Integer.toUnsignedString(group.cgId());
            rates.sample("records/" + cg, group.appliedSeq());
            rates.sample("bytes/" + cg, StatusSource.count(registry, BYTES_RECEIVED, cg));
            splitBrains.update(cg, splitBrain(group));
        }
    }

    @Override
    public List<String> states() {
        return ConsistencyGroupStatus.GROUP_STATES;
    }

    @Override
    public StatusReport report() {
        return new StatusReport("target-gateway", id, gateway.consistencyGroups().stream().map(this::group).toList());
    }

    private StatusReport.Group group(ConsistencyGroupStatus g) {
        String cg = Integer.toUnsignedString(g.cgId());
        List<StatusReport.Disk> disks = g.replicaStates().entrySet().stream()
                .map(e -> new StatusReport.Disk(e.getKey(), null, e.getValue().name())).toList();
        Long consistentSeq = g.consistentImage().isPresent() ? g.consistentImage().getAsLong() : null;
        return new StatusReport.Group(cg, null, g.pairId(), g.groupState(), g.heldSeq(), g.appliedSeq(),
                consistentSeq, null, Math.max(0, g.heldSeq() - g.appliedSeq()), g.spoolBytes(), g.spoolBytes(),
                spoolMaxBytes, rates.perSecond("records/" + cg), rates.perSecond("bytes/" + cg), null, null, false,
                g.generationRefusal() != null ? g.generationRefusal()
                        : g.applyFailure() == null ? null : "applying stopped: " + g.applyFailure(), disks)
                .withRole(g.role().name(), RoleMetrics.generation(g.generation()),
                        g.operation() != null ? g.operation() : gateway.rehearsal(g.cgId())
                                .map(RehearsalActions::describe).orElse(null))
                .withSplitBrain(splitBrain(g));
    }

    /**
     * A split brain's figures here: this site's, as its latest refusal counted them in the recovery tap's bitmaps
     * ({@code --recovery-tap-state}); the original site's are not known here (its source gateway shows them).
     */
    private static StatusReport.SplitBrain splitBrain(ConsistencyGroupStatus g) {
        return StatusReport.SplitBrain.of(null, SplitBrainRegions.recoveryIn(g.generationRefusal()).orElse(null));
    }
}
