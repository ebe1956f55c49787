package io.datamover.coordination;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which gateway of a site should serve each consistency group (scale-out): a hint the site's assigner writes to
 * ZooKeeper and every gateway follows by contending for its groups. The group's lock stays the authority: a stale map
 * can make a gateway contend for a group, never lead it beside another.
 *
 * <p>Stored as UTF-8 text, one {@code GROUP GATEWAY} line per group, sorted by group.
 *
 * @param owners group to gateway
 */
public record Assignment(SortedMap<String, String> owners) {
    public static final Assignment EMPTY = new Assignment(new TreeMap<>());

    public Assignment {
        TreeMap<String, String> copy = new TreeMap<>(owners);
        copy.forEach((group, gateway) -> {
            SitePaths.requireName("consistency group", group);
            SitePaths.requireName("gateway id", gateway);
        });
        owners = Collections.unmodifiableSortedMap(copy);
    }

    /** The gateway the group is assigned to, or null. */
    public String ownerOf(String group) {
        return owners.get(group);
    }

    /** The groups assigned to {@code gateway}, sorted. */
    public List<String> groupsOf(String gateway) {
        return owners.entrySet().stream().filter(e -> e.getValue().equals(gateway)).map(Map.Entry::getKey).toList();
    }

    byte[] encode() {
        StringBuilder text = new StringBuilder();
        owners.forEach((group, gateway) -> text.append(group).append(' ').append(gateway).append('\n'));
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The map as stored; empty for no data. Anything else than {@code GROUP GATEWAY} lines is refused. */
    static Assignment decode(byte[] data) {
        TreeMap<String, String> owners = new TreeMap<>();
        if (data != null) {
            for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                String[] fields = line.split(" ");
                if (fields.length != 2) {
                    throw new IllegalStateException("assignment line '" + line + "' is not 'GROUP GATEWAY'");
                }
                owners.put(fields[0], fields[1]);
            }
        }
        return new Assignment(owners);
    }

    /**
     * The next map for the live {@code members} and the known {@code groups}, with at most {@code maxMoves} groups on
     * the move at once:
     * <ul>
     * <li>a group whose gateway is gone (or that has none yet) goes to the least loaded member at once: nobody serves
     * it meanwhile, so that is never held back;</li>
     * <li>a group is on the move while its assigned gateway does not lead it yet ({@code leaders}: group to the
     * gateway that leads it now, from the groups' leader nodes);</li>
     * <li>while fewer than {@code maxMoves} are on the move and the loads differ by more than one, one settled group
     * of the most loaded member moves to the least loaded.</li>
     * </ul>
     * Deterministic (ties broken by name), so that a new assigner continues where the last stopped.
     */
    public Assignment rebalance(Collection<String> members, Set<String> groups, Map<String, String> leaders,
            int maxMoves) {
        if (maxMoves < 1) {
            throw new IllegalArgumentException("max moves " + maxMoves + " must be at least 1");
        }
        if (members.isEmpty()) {
            return EMPTY;
        }
        TreeMap<String, List<String>> load = new TreeMap<>();
        members.forEach(m -> load.put(m, new ArrayList<>()));
        TreeMap<String, String> next = new TreeMap<>();
        List<String> orphans = new ArrayList<>();
        for (String group : new TreeSet<>(groups)) {
            String owner = owners.get(group);
            if (owner != null && load.containsKey(owner)) {
                next.put(group, owner);
                load.get(owner).add(group);
            } else {
                orphans.add(group);
            }
        }
        for (String group : orphans) {
            String least = leastLoaded(load);
            next.put(group, least);
            load.get(least).add(group);
        }
        long moving = next.entrySet().stream().filter(e -> !e.getValue().equals(leaders.get(e.getKey()))).count();
        while (moving < maxMoves) {
            String most = mostLoaded(load);
            String least = leastLoaded(load);
            if (load.get(most).size() - load.get(least).size() <= 1) {
                break;
            }
            String settled = load.get(most).stream().filter(g -> most.equals(leaders.get(g)))
                    .max(Comparator.naturalOrder()).orElse(null);
            if (settled == null) {
                break; // the most loaded's groups are all on the move already
            }
            load.get(most).remove(settled);
            load.get(least).add(settled);
            next.put(settled, least);
            moving++;
        }
        return new Assignment(next);
    }

    private static String leastLoaded(TreeMap<String, List<String>> load) {
        return load.entrySet().stream().min(Comparator.comparingInt((Map.Entry<String, List<String>> e) ->
                e.getValue().size()).thenComparing(Map.Entry::getKey)).orElseThrow().getKey();
    }

    private static String mostLoaded(TreeMap<String, List<String>> load) {
        return load.entrySet().stream().max(Comparator.comparingInt((Map.Entry<String, List<String>> e) ->
                e.getValue().size()).thenComparing(Map.Entry::getKey, Comparator.reverseOrder())).orElseThrow()
                .getKey();
    }
}
