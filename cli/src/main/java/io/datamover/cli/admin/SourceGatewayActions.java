package io.datamover.cli.admin;

import io.datamover.gateway.source.SourceGateway;
import io.datamover.gateway.source.ship.RateSchedule;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.InstantSource;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The source gateway's admin actions (only for the operator: {@link AdminAuthorization}). {@code POST
 * /throttle?max-rate=R} or {@code ?schedule=S&zone=Z} replaces the link's rate limit at once ({@code datamover
 * throttle}). {@code POST /resync?cg=N&discard=replica} starts a generation that has the
 * target give up what its replicas hold beyond the common history (docs/protocol.md, "Generations"); answered once
 * durable. {@code discard=source} is refused: taking the replica's side is a failover, then reverse replication.
 * {@code POST /verify/online?cg=N...} starts an online verify of the group, {@code /verify/online/result?cg=N} tells
 * how it goes ({@link SourceVerifyActions}). {@code POST /reverse/room?cg=N}: whether it could be the group's source
 * in the reverse direction ({@link ReverseRoomAction}). {@code POST /reverse/seed?cg=N&...} (the fields of
 * {@link PromotedGroupFields}) seeds and opens the group continuing the promoted history: reverse replication's step
 * at the recovery site, through this running gateway.
 */
public final class SourceGatewayActions implements AdminActions {
    static final String RESYNC = "/resync";
    static final String THROTTLE = "/throttle";
    /** Reverse replication's step at the recovery site, through this running gateway. */
    static final String SEED = "/reverse/seed";

    private final SourceGateway gateway;
    private final SourceVerifyActions verify;
    private final InstantSource clock;

    public SourceGatewayActions(SourceGateway gateway, MeterRegistry registry, InstantSource clock) {
        this.gateway = gateway;
        this.verify = new SourceVerifyActions(gateway, registry);
        this.clock = clock;
    }

    @Override
    public Answer post(String path, Map<String, String> parameters) {
        return switch (path) {
            case RESYNC -> resync(parameters);
            case THROTTLE -> throttle(parameters);
            case SourceVerifyActions.ONLINE -> verify.start(parameters);
            case SourceVerifyActions.RESULT -> verify.result(parameters);
            case ReverseRoomAction.PATH -> ReverseRoomAction.answer(parameters, gateway::reverseRoom, "source");
            case SEED -> seedReverse(parameters);
            default -> null;
        };
    }

    private Answer seedReverse(Map<String, String> parameters) {
        Integer cg = AdminActions.consistencyGroup(parameters);
        if (cg == null) {
            return new Answer(400, "reverse/seed needs cg=N, a consistency group id\n");
        }
        PromotedGroupFields.Promoted promoted;
        try {
            promoted = PromotedGroupFields.parse(parameters);
        } catch (IllegalArgumentException e) {
            return new Answer(400, e.getMessage() + "\n");
        }
        try {
            return new Answer(200, gateway.seedReverse(promoted.pair(), cg, promoted.disks(), promoted.history(),
                    promoted.seq()) + "\n");
        } catch (IllegalStateException e) {
            return new Answer(409, e.getMessage() + "\n");
        } catch (IOException e) {
            return new Answer(500, "consistency group " + Integer.toUnsignedString(cg) + ": the reverse step stopped "
                    + "(running it again continues it): " + e.getMessage() + "\n");
        }
    }

    private Answer throttle(Map<String, String> parameters) {
        if (!parameters.containsKey("max-rate") && !parameters.containsKey("schedule")) {
            return new Answer(400, "throttle needs max-rate=RATE or schedule=RULES\n");
        }
        RateSchedule schedule;
        try {
            schedule = LinkRates.schedule(parameters.get("max-rate"), parameters.get("schedule"),
                    parameters.get("zone"));
        } catch (IllegalArgumentException e) {
            return new Answer(400, e.getMessage() + "\n");
        }
        gateway.throttle().schedule(schedule);
        return new Answer(200, "link to the target: " + gateway.throttle().describe(clock.instant()) + "\n");
    }

    private Answer resync(Map<String, String> parameters) {
        Integer cg = AdminActions.consistencyGroup(parameters);
        if (cg == null) {
            return new Answer(400, "resync needs cg=N, a consistency group id\n");
        }
        String discard = parameters.getOrDefault("discard", "");
        switch (discard) {
            case "replica" -> { }
            case "source" -> {
                return new Answer(501, "--discard source is not supported: keeping the replica's data is a"
                        + " failover at the recovery site (datamover failover --cg N), then reverse replication (not"
                        + " built yet); see docs/operations.md\n");
            }
            default -> {
                return new Answer(400, "resync needs discard=replica (the side whose data is discarded)\n");
            }
        }
        try {
            return new Answer(200, gateway.discardReplica(cg) + "\n");
        } catch (NoSuchElementException e) {
            return new Answer(404, e.getMessage() + "\n");
        } catch (IllegalStateException e) {
            return new Answer(409, e.getMessage() + "\n");
        } catch (IOException e) {
            return new Answer(500, "consistency group " + Integer.toUnsignedString(cg) + ": the new generation could"
                    + " not be stored: " + e.getMessage() + "\n");
        }
    }
}
