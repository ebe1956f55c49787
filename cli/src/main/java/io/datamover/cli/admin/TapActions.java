package io.datamover.cli.admin;

import io.datamover.tap.ReplicatingTap;
import io.datamover.tap.Tap;
import io.datamover.tap.export.DiskShrankException;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The tap's admin actions (only for the operator: {@link AdminAuthorization}). {@code POST /pause?cg=N} stops
 * replication of the group: writes go on to the local disks and only dirty bits are kept, durably across a restart
 * ({@code datamover pause}). {@code POST /resume?cg=N} resyncs the regions written meanwhile ({@code datamover
 * resume}). Both are idempotent and answered once the pause (or its removal) is durable. {@code POST
 * /resize?cg=N[&disk=NAME]} serves the disks whose images grew at their new sizes ({@code datamover resize},
 * {@link Tap#growDisks}); a disk that shrank is refused (409), nothing changed. {@code POST /migrate/...}: the
 * original site's side of a planned migration ({@link TapMigrationActions}).
 */
public final class TapActions implements AdminActions {
    static final String PAUSE = "/pause";
    static final String RESUME = "/resume";
    static final String RESIZE = "/resize";

    private final ReplicatingTap tap;
    private final TapMigrationActions migrationActions = new TapMigrationActions();

    public TapActions(ReplicatingTap tap) {
        this.tap = tap;
    }

    @Override
    public Answer post(String path, Map<String, String> parameters) {
        boolean pause = path.equals(PAUSE);
        boolean migrate = TapMigrationActions.serves(path);
        boolean resize = path.equals(RESIZE);
        if (!pause && !migrate && !resize && !path.equals(RESUME)) {
            return null;
        }
        String action = path.substring(1);
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
        if (resize) {
            return resize(group, served, parameters.get("disk"));
        }
        try {
            if (pause) {
                tap.pause();
            } else {
                tap.resume();
            }
        } catch (IOException e) {
            return new Answer(500, "consistency group " + served + ": the " + action + " could not be stored: "
                    + e.getMessage() + "\n");
        }
        return new Answer(200, "consistency group " + served + ": " + group.mode()
                + (pause ? " (writes are kept as dirty regions; datamover resume resyncs them)"
                        : " (the regions written while paused are resynced)") + "\n");
    }

    private static Answer resize(Tap group, long served, String disk) {
        String prefix = "consistency group " + served + ": ";
        try {
            List<Tap.DiskGrowth> growths = group.growDisks(Optional.ofNullable(disk));
            if (growths.isEmpty()) {
                return new Answer(200, prefix + "no disk grew; served at " + group.diskSizes() + " bytes\n");
            }
            return new Answer(200, prefix + growths.stream().map(Tap.DiskGrowth::toString)
                    .collect(Collectors.joining("; ")) + " (the replica grows with it, no full resync; NBD clients"
                    + " see the new size on their next connection)\n");
        } catch (DiskShrankException e) {
            return new Answer(409, prefix + e.getMessage() + "\n");
        } catch (IllegalArgumentException e) {
            return new Answer(404, prefix + e.getMessage() + "\n");
        } catch (IOException e) {
            return new Answer(500, prefix + "the disks could not be grown: " + e.getMessage() + "\n");
        }
    }
}
