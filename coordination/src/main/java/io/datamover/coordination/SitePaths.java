package io.datamover.coordination;

import java.util.regex.Pattern;

/**
 * Where a site's gateway group lives in ZooKeeper:
 * <pre>
 * /datamover/sites/SITE/gateways/GATEWAY     ephemeral, one per live gateway (membership)
 * /datamover/sites/SITE/groups/GROUP/lock    the group's LeaderLatch
 * /datamover/sites/SITE/groups/GROUP/epoch   the group's epoch, a big-endian long
 * /datamover/sites/SITE/groups/GROUP/leader  ephemeral: the leading gateway, its epoch and address ({@link GroupLeader})
 * /datamover/sites/SITE/assigner             the LeaderLatch electing the site's assigner (scale-out)
 * /datamover/sites/SITE/assignment           the assigner's map of groups onto gateways ({@link Assignment})
 * </pre>
 */
record SitePaths(String site) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    SitePaths {
        requireName("site", site);
    }

    String gateways() {
        return "/datamover/sites/" + site + "/gateways";
    }

    String gateway(String gatewayId) {
        return gateways() + "/" + requireName("gateway id", gatewayId);
    }

    String lock(String group) {
        return groupRoot(group) + "/lock";
    }

    String epoch(String group) {
        return groupRoot(group) + "/epoch";
    }

    String leader(String group) {
        return groupRoot(group) + "/leader";
    }

    String groups() {
        return "/datamover/sites/" + site + "/groups";
    }

    String groupRoot(String group) {
        return groups() + "/" + requireName("consistency group", group);
    }

    String assigner() {
        return "/datamover/sites/" + site + "/assigner";
    }

    String assignment() {
        return "/datamover/sites/" + site + "/assignment";
    }

    /** A name that is one znode (no '/', no '.' or '..' alone). */
    static String requireName(String what, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + value + "' must match " + NAME.pattern());
        }
        return value;
    }
}
