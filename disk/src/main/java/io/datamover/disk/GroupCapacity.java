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

    /** Threads a gateway opens new groups on: groups open side by side, none waits for all the others. */
    public static final int OPENING_THREADS = 4;
    private static final int OPEN_LOCK_STRIPES = 64;

    private final int maxGroups;
    private final OpenFiles files;
    /** One lock per stripe of cg ids: a group is opened (or reopened) by one thread at a time. */
    private final Object[] openLocks = new Object[OPEN_LOCK_STRIPES];
    /** Groups admitted by {@link #admit} and not yet {@link #opened}; guarded by this. */
    private int opening;

    public GroupCapacity(int maxGroups, OpenFiles files) {
        if (maxGroups < 1) {
            throw new IllegalArgumentException("maxGroups must be >= 1: " + maxGroups);
        }
        this.maxGroups = maxGroups;
        this.files = files;
        for (int i = 0; i < openLocks.length; i++) {
            openLocks[i] = new Object();
        }
    }

    /**
     * Held while a group is looked up and opened or reopened: the same group never opens twice at once, while
     * other groups (bar a shared stripe) open beside it. Bounded whatever cg ids peers send.
     */
    public Object openLock(int cgId) {
        return openLocks[Math.floorMod(Integer.hashCode(cgId), openLocks.length)];
    }

    /**
     * As {@link #refusal}, counting the groups admitted and still opening as open; when it is null the new group is
     * admitted and must be followed by {@link #opened} once its opening ended, opened or not. Serialized with
     * {@link #opened}, so a group is counted once, never twice nor not at all.
     */
    public synchronized String admit(int groupsOpen, int descriptors) {
        String refusal = refusal(groupsOpen + opening, descriptors);
        if (refusal == null) {
            opening++;
        }
        return refusal;
    }

    /**
     * The opening of a group {@link #admit}ted ended: runs {@code publish} (which puts an opened group among the
     * open ones; nothing when it failed) and stops counting the group as opening, as one step.
     */
    public synchronized void opened(Runnable publish) {
        try {
            publish.run();
        } finally {
            opening--;
        }
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
