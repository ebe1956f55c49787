package io.datamover.cli.admin;

import io.datamover.cli.admin.AdminActions.Answer;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * {@code POST /reverse/room?cg=N} on either gateway, for the operator: a planned migration's check (phase 1) that
 * this gateway could take the group on in the reverse direction (the recovery site's source gateway, the original
 * site's target gateway). Changes nothing: 200 when it has room, 409 naming what is missing.
 */
final class ReverseRoomAction {
    static final String PATH = "/reverse/room";

    private ReverseRoomAction() {}

    /**
     * @param refusal the gateway's answer for a group: null when it has room, else why not
     * @param role what the gateway would be to the group ("source", "replica set")
     */
    static Answer answer(Map<String, String> parameters, IntFunction<String> refusal, String role) {
        Integer cg = AdminActions.consistencyGroup(parameters);
        if (cg == null) {
            return new Answer(400, "reverse/room needs cg=N, a consistency group id\n");
        }
        String group = "consistency group " + Integer.toUnsignedString(cg);
        String why = refusal.apply(cg);
        return why == null ? new Answer(200, "room for " + group + " as its " + role + "\n")
                : new Answer(409, "no room for " + group + " as its " + role + ": " + why + "\n");
    }
}
