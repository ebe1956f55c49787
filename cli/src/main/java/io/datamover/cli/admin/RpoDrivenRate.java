package io.datamover.cli.admin;

import io.datamover.gateway.source.SourceGroupStatus;
import io.datamover.gateway.source.ship.LinkThrottle;
import java.util.List;

/**
 * The RPO-driven mode ({@code --rpo-driven-max-rate}): once a group's RPO passes half its objective, the link's rate
 * limit is lifted to the mode's ceiling; it goes back to the schedule once every group's RPO is under a quarter of
 * its objective (the gap keeps it from flapping). Groups without an objective do not count. The throttle logs each
 * change; its gauge is {@code datamover.source.max.rate.lifted}. Ticked once a second by the admin ticker.
 */
final class RpoDrivenRate {
    static final double LIFT_AT = 0.5;
    static final double LOWER_AT = 0.25;

    private final RpoObjectives objectives;
    private final LinkThrottle throttle;

    RpoDrivenRate(RpoObjectives objectives, LinkThrottle throttle) {
        this.objectives = objectives;
        this.throttle = throttle;
    }

    void update(List<SourceGroupStatus> groups) {
        if (!throttle.rpoDriven()) {
            return;
        }
        boolean anyNear = false;
        boolean allWell = true;
        for (SourceGroupStatus group : groups) {
            double objective = objectives.secondsFor(group.identity().cgId());
            if (objective > 0) {
                anyNear |= group.rpoSeconds() > objective * LIFT_AT;
                allWell &= group.rpoSeconds() < objective * LOWER_AT;
            }
        }
        if (anyNear) {
            throttle.lift(true);
        } else if (allWell) {
            throttle.lift(false);
        }
    }
}
