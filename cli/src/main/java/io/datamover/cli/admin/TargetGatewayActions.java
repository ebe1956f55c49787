package io.datamover.cli.admin;

import io.datamover.gateway.target.TargetGateway;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.tls.TransportSecurity;
import java.io.IOException;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;

/**
 * The target gateway's admin actions: {@code POST /failover?cg=N[&force=true]} ({@code datamover failover}; with
 * {@code &planned-seq=S}, a planned migration's hand-off, {@code datamover migrate}) stops
 * replicating into the group and promotes its replicas (docs/operations.md, "Failover"); answered with the report
 * once every step is durable. 409 when refused (the source is connected and {@code force} not given), 500 when a
 * step failed (a rerun continues it). {@code POST /rehearse/start|stop?cg=N} ({@code datamover rehearse}):
 * {@link RehearsalActions}. {@code POST /reverse/room?cg=N}: whether it could hold the group's replica set in the
 * reverse direction ({@link ReverseRoomAction}). {@code POST /reverse/promoted?cg=N}: the promoted group's identity,
 * which the recovery site's source gateway continues ({@link PromotedGroupFields}).
 */
public final class TargetGatewayActions implements AdminActions {
    static final String FAILOVER = "/failover";
    /** A planned migration's check that the operator's token is accepted here; changes nothing. */
    static final String MIGRATE_CHECK = "/migrate/check";

    /** The promoted group's identity for reverse replication ({@link PromotedGroupFields}); reads only. */
    static final String PROMOTED = "/reverse/promoted";

    private final TargetGateway gateway;
    private final RehearsalActions rehearsals;

    /** @param transport the gateway's own: a rehearsal's view requires TLS with its certificates, unless plaintext */
    public TargetGatewayActions(TargetGateway gateway, TransportSecurity transport, MeterRegistry registry) {
        this.gateway = gateway;
        this.rehearsals = new RehearsalActions(gateway, transport, registry);
    }

    @Override
    public Answer post(String path, Map<String, String> parameters) {
        if (path.equals(ReverseRoomAction.PATH)) {
            return ReverseRoomAction.answer(parameters, gateway::reverseRoom, "replica set");
        }
        if (path.equals(PROMOTED)) {
            return promoted(parameters);
        }
        if (!path.equals(FAILOVER) && !path.equals(RehearsalActions.START) && !path.equals(RehearsalActions.STOP)
                && !path.equals(MIGRATE_CHECK)) {
            return null;
        }
        Integer cg = AdminActions.consistencyGroup(parameters);
        if (cg == null) {
            return new Answer(400, path.substring(1) + " needs cg=N, a consistency group id\n");
        }
        if (path.equals(MIGRATE_CHECK)) {
            return new Answer(200, "the operator's token is accepted\n");
        }
        if (path.equals(RehearsalActions.START)) {
            return rehearsals.start(cg, parameters);
        }
        if (path.equals(RehearsalActions.STOP)) {
            return rehearsals.stop(cg);
        }
        boolean force = Boolean.parseBoolean(parameters.getOrDefault("force", "false"));
        long plannedSeq;
        try {
            plannedSeq = Long.parseLong(parameters.getOrDefault("planned-seq",
                    Long.toString(TargetGateway.NOT_PLANNED)));
        } catch (NumberFormatException e) {
            return new Answer(400, "failover: planned-seq must be a seq: " + e.getMessage() + "\n");
        }
        try {
            return new Answer(200, gateway.failover(cg, force, plannedSeq).describe());
        } catch (ProtocolException e) {
            return new Answer(409, "refused: " + e.getMessage() + "\n");
        } catch (IOException e) {
            return new Answer(500, "consistency group " + Integer.toUnsignedString(cg) + ": the failover stopped "
                    + "(running it again continues it): " + e.getMessage() + "\n");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(503, "the target gateway is stopping\n");
        }
    }

    private Answer promoted(Map<String, String> parameters) {
        Integer cg = AdminActions.consistencyGroup(parameters);
        if (cg == null) {
            return new Answer(400, "reverse/promoted needs cg=N, a consistency group id\n");
        }
        try {
            return new Answer(200, PromotedGroupFields.lines(gateway.promotedStamp(cg)));
        } catch (IllegalStateException e) {
            return new Answer(409, e.getMessage() + "\n");
        } catch (IOException e) {
            return new Answer(500, "cannot read the promoted stamp: " + e.getMessage() + "\n");
        }
    }
}
