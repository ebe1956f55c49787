package io.datamover.cli.admin;

import io.datamover.coordination.CoordinationSettings;
import io.datamover.coordination.GroupLeadershipStatus;
import io.datamover.gateway.source.SourceGateway;
import io.datamover.gateway.source.SourceGroupStatus;
import io.datamover.gateway.source.ship.LinkThrottle;
import io.datamover.gateway.source.ship.ShipperStatus;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ReplicationRole;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The source gateway's status: per group its mode (STREAMING, RESYNCING, DISCONNECTED or DIVERGED, see
 * {@link SourceGroupStatus.Mode}), seqs, lag and RPO against its objective, journal use, throughput (records
 * journaled and body bytes shipped per second over the last 10 s), compression and last error.
 */
public final class SourceGatewayStatus implements StatusSource {
    private final String id;
    private final SourceGateway gateway;
    private final RpoObjectiveMonitor rpo;
    private final RpoDrivenRate rpoDriven;
    private final InstantSource clock;
    private final Rates rates = new Rates(10, System::nanoTime);
    private final RoleMetrics roles;

    public SourceGatewayStatus(String id, SourceGateway gateway, RpoObjectiveMonitor rpo, MeterRegistry registry,
            InstantSource clock) {
        this.id = id;
        this.gateway = gateway;
        this.rpo = rpo;
        this.roles = new RoleMetrics(registry);
        this.rpoDriven = new RpoDrivenRate(rpo.objectives(), gateway.throttle());
        this.clock = clock;
    }

    @Override
    public void tick() {
        roles.update(gateway.consistencyGroups().stream().map(g -> new RoleMetrics.Row(g.identity().cgLabel(),
                role(g.shipping()), false)).toList());
        for (SourceGroupStatus group : gateway.consistencyGroups()) {
            String cg = group.identity().cgLabel();
            rates.sample("records/" + cg, group.shipping().durableSeq());
            rates.sample("bytes/" + cg, group.shipping().bodyBytesShipped());
        }
        rpo.check();
        rpoDriven.update(gateway.consistencyGroups());
    }

    @Override
    public List<String> states() {
        return Arrays.stream(SourceGroupStatus.Mode.values()).map(Enum::name).toList();
    }

    @Override
    public StatusReport report() {
        LinkThrottle throttle = gateway.throttle();
        Instant now = clock.instant();
        return new StatusReport("source-gateway", id, gateway.consistencyGroups().stream().map(this::group).toList())
                .withLink(new StatusReport.Link(throttle.bytesPerSecondAt(now), throttle.schedule().toString(),
                        throttle.rpoDriven() ? throttle.lifted() : null, throttle.describe(now)))
                .withCoordination(coordination());
    }

    /** The gateway's membership of its site's gateway group; null without {@code --coordination}. */
    private StatusReport.Coordination coordination() {
        CoordinationSettings settings = gateway.coordination();
        String session = gateway.coordinationSession();
        return session == null ? null : new StatusReport.Coordination(settings.mode().name().toLowerCase(Locale.ROOT),
                settings.site(), session);
    }

    /** The group's leadership in the site's gateway group (asks ZooKeeper); null without coordination. */
    private StatusReport.Leadership leadership(SourceGroupStatus g) {
        GroupLeadershipStatus l = gateway.leadership(g.identity());
        if (l == null) {
            return null;
        }
        return new StatusReport.Leadership(l.role().name(), l.epoch(), l.leader(), l.leaderAddress(), l.leaderEpoch(),
                l.standbys(), l.tenures(), l.tenures() == 0 ? null : seconds(l.lastTakeover()),
                l.tenures() == 0 ? null : seconds(l.lastWait()));
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }

    private StatusReport.Group group(SourceGroupStatus g) {
        ShipperStatus s = g.shipping();
        String cg = g.identity().cgLabel();
        int cgId = g.identity().cgId();
        double objective = rpo.objectiveSeconds(cgId);
        String lastError = Stream.of(s.generationRefusal(), g.journalError(), g.lastTapError(), s.lastError())
                .filter(Objects::nonNull)
                .collect(Collectors.collectingAndThen(Collectors.joining("; "), e -> e.isEmpty() ? null : e));
        return new StatusReport.Group(cg, g.identity().cgName(), g.identity().pairId(), g.mode().name(),
                s.durableSeq(), s.appliedSeq(), null, g.rpoSeconds(), s.lagRecords(), s.lagBytes(), g.journalBytes(),
                g.journalMaxBytes(), rates.perSecond("records/" + cg), rates.perSecond("bytes/" + cg),
                s.compressionRatio(), objective > 0 ? objective : null, rpo.breached(cgId), lastError,
                disks(g)).withRole(role(s).name(), RoleMetrics.generation(s.generation()), null)
                .withLeadership(leadership(g));
    }

    /** A source gateway's groups are PRIMARY here, but while their target refuses their history. */
    private static ReplicationRole role(ShipperStatus s) {
        return s.diverged() ? ReplicationRole.DIVERGED : ReplicationRole.PRIMARY;
    }

    /** A disk being synced is RESYNCING, the others follow the group. */
    private static List<StatusReport.Disk> disks(SourceGroupStatus g) {
        SourceGroupStatus.Mode mode = g.mode();
        return g.identity().disks().stream().map((DiskInfo d) -> new StatusReport.Disk(d.name(), d.sizeBytes(),
                mode != SourceGroupStatus.Mode.DISCONNECTED && mode != SourceGroupStatus.Mode.DIVERGED
                        && g.disksSyncing().contains(d.id())
                        ? SourceGroupStatus.Mode.RESYNCING.name() : mode == SourceGroupStatus.Mode.RESYNCING
                        ? SourceGroupStatus.Mode.STREAMING.name() : mode.name())).toList();
    }
}
