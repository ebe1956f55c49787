package io.datamover.cli.admin;

import io.datamover.tap.ReplicatingTap;
import io.datamover.tap.Tap;
import java.io.IOException;
import java.util.Map;

/**
 * The tap's admin actions (only for the operator: {@link AdminAuthorization}). {@code POST /pause?cg=N} stops
 * replication of the group: writes go on to the local disks and only dirty bits are kept, durably across a restart
 * ({@code datamover pause}). {@code POST /resume?cg=N} resyncs the regions written meanwhile ({@code datamover
 * resume}). Both are idempotent and answered once the pause (or its removal) is durable. {@code POST /migrate/...}:
 * the original site's side of a planned migration ({@link TapMigrationActions}).
 */
public final class TapActions implements AdminActions {
    static final String PAUSE = "/pause";
    static final String RESUME = "/resume";

    private final ReplicatingTap tap;
    private final TapMigrationActions migrationActions = new TapMigrationActions();

    public TapActions(ReplicatingTap tap) {
        this.tap = tap;
    }

    @Override
    public Answer post(String path, Map<String, String> parameters) {
        boolean pause = path.equals(PAUSE);
        boolean migrate = TapMigrationActions.serves(path);
        if (!pause && !migrate && !path.equals(RESUME)) {
            return null;
        }
        String action = pause ? "pause" : migrate ? path.substring(1) : "resume";
        Integer cg = AdminActions.consistencyGroup(parameters);
        if (cg == null) {
            return new Answer(400, action + " needs cg=N, a consistency group id\n");
        }
        Tap group = tap.tap();
        long served = group.config().consistencyGroupId();
        if (Integer.toUnsignedLong(cg) != served) {
            return new Answer(404, "this tap serves consistency group " + served + ", not "
                    + Integer.toUnsignedString(cg) + "\n");
        }
        if (migrate) {
            return migrationActions.post(group, path, parameters);
        }
        try {
            if (pause) {
                group.pause();
            } else {
                group.resume();
            }
        } catch (IOException e) {
            return new Answer(500, "consistency group " + served + ": the " + action + " could not be stored: "
                    + e.getMessage() + "\n");
        }
        return new Answer(200, "consistency group " + served + ": " + group.mode()
                + (pause ? " (writes are kept as dirty regions; datamover resume resyncs them)"
                        : " (the regions written while paused are resynced)") + "\n");
    }
}
