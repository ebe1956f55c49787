package io.datamover.cli.admin;

import io.datamover.gateway.source.SourceGateway;
import java.io.IOException;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The source gateway's admin actions: {@code POST /resync?cg=N&discard=replica} starts a generation that has the
 * target give up what its replicas hold beyond the common history (docs/protocol.md, "Generations"); answered once
 * durable. {@code discard=source} is refused: taking the replica's side is a failover, then reverse replication.
 */
public final class SourceGatewayActions implements AdminActions {
    static final String RESYNC = "/resync";

    private final SourceGateway gateway;

    public SourceGatewayActions(SourceGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public Answer post(String path, Map<String, String> parameters) {
        if (!path.equals(RESYNC)) {
            return null;
        }
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
