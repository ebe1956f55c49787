package io.datamover.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The {@code --name value} pairs of a bench command line, checked against the names it knows. */
public final class OptionPairs {
    private OptionPairs() {}

    /** The pairs by name; a missing value or an unknown name throws with {@code usage}. */
    public static Map<String, String> parse(String[] args, Set<String> known, String usage) {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!known.contains(args[i])) {
                throw new IllegalArgumentException("unknown option " + args[i] + "\n" + usage);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + args[i] + "\n" + usage);
            }
            pairs.put(args[i], args[i + 1]);
        }
        return pairs;
    }

    /** Throws, with {@code usage}, when {@code ok} is false: a bench option out of its range. */
    public static void require(boolean ok, String problem, String usage) {
        if (!ok) {
            throw new IllegalArgumentException(problem + "\n" + usage);
        }
    }
}
