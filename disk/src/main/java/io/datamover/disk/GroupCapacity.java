package io.datamover.disk;

/**
 * How many consistency groups a gateway takes: at most {@code maxGroups} (each costs threads, memory and descriptors
 * for as long as it lives), and a new one only while the descriptors it will open fit under the process's limit with
 * {@link #RESERVED_DESCRIPTORS} to spare, so the last group admitted cannot starve the groups already running (their
 * journals, replicas and spools open files as they go) or the listener.
 */
public final class GroupCapacity {
    /** Descriptors kept for all but the groups: accepted connections, the admin port, logs, late class loading. */
    public static final int RESERVED_DESCRIPTORS = 128;
    /** The default of both gateways' {@code --max-groups}. */
    public static final int DEFAULT_MAX_GROUPS = 64;

    private final int maxGroups;
    private final OpenFiles files;

    public GroupCapacity(int maxGroups, OpenFiles files) {
        if (maxGroups < 1) {
            throw new IllegalArgumentException("maxGroups must be >= 1: " + maxGroups);
        }
        this.maxGroups = maxGroups;
        this.files = files;
    }

    /**
     * Null when one more group fits beside {@code groupsOpen}; otherwise why not, in words for the operator.
     *
     * @param descriptors what the new group opens over its life, connections included (an upper estimate)
     */
    public String refusal(int groupsOpen, int descriptors) {
        if (groupsOpen >= maxGroups) {
            return "this gateway already holds " + groupsOpen + " consistency groups, the most --max-groups allows";
        }
        long open = files.open();
        if (open + descriptors + RESERVED_DESCRIPTORS > files.limit()) {
            return "a new consistency group needs about " + descriptors + " file descriptors and this process"
                    + " holds " + open + " of the " + files.limit() + " its open-files limit (ulimit -n) allows, "
                    + RESERVED_DESCRIPTORS + " kept in reserve";
        }
        return null;
    }

    /** For the start-up log: the limits and what they leave room for. */
    public String describe(int descriptorsPerGroup) {
        long room = Math.max(0, files.limit() - files.open() - RESERVED_DESCRIPTORS) / descriptorsPerGroup;
        return "at most " + maxGroups + " consistency groups (--max-groups); the open-files limit " + files.limit()
                + " leaves room for about " + room + " groups of " + descriptorsPerGroup + " descriptors";
    }
}
