package io.datamover.gateway.source.ship;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * The link's rate limit over the week, in bytes per second (0: unlimited), in an explicit time zone. Its text is
 * rules separated by commas, the first that matches wins, none matching means unlimited:
 * {@code [DAYS] [HH:MM-HH:MM]=RATE}, where DAYS is {@code Mon}, {@code Mon-Fri} (a range may wrap: {@code Sat-Sun},
 * {@code Fri-Mon}) or {@code *} (every day, also what no DAYS means), the hours are local to the zone, the start
 * included and the end excluded ({@code 24:00} is the end of the day; a span never crosses midnight: write two
 * rules), and RATE a size per second such as {@code 20M} (0: unlimited). Example:
 * {@code Mon-Fri 08:00-18:00=20M,*=0}: 20 MiB/s on business hours, unlimited otherwise.
 *
 * @param rules in order, the first matching wins
 * @param zone the zone the days and hours are in
 * @param text the schedule as the operator wrote it, for status
 */
public record RateSchedule(List<Rule> rules, ZoneId zone, String text) {
    /** The default: no limit. */
    public static final RateSchedule UNLIMITED = new RateSchedule(List.of(), ZoneId.of("UTC"), "*=0");

    public RateSchedule {
        rules = List.copyOf(rules);
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(text, "text");
    }

    /**
     * One rule: on {@code days}, from {@code from} (included) to {@code to} (excluded; null: the end of the day).
     *
     * @param bytesPerSecond the limit while it matches, 0 for unlimited
     */
    public record Rule(Set<DayOfWeek> days, LocalTime from, LocalTime to, long bytesPerSecond) {
        public Rule {
            days = Set.copyOf(days);
            if (bytesPerSecond < 0) {
                throw new IllegalArgumentException("a rate is >= 0 bytes per second: " + bytesPerSecond);
            }
            if (to != null && !from.isBefore(to)) {
                throw new IllegalArgumentException("the span " + from + "-" + to + " ends before it starts: a span"
                        + " never crosses midnight (write two rules)");
            }
        }

        boolean matches(ZonedDateTime local) {
            LocalTime time = local.toLocalTime();
            return days.contains(local.getDayOfWeek()) && !time.isBefore(from) && (to == null || time.isBefore(to));
        }
    }

    /** The same limit at every hour: {@code *=RATE}. */
    public static RateSchedule constant(long bytesPerSecond, String rateText) {
        return new RateSchedule(List.of(new Rule(EnumSet.allOf(DayOfWeek.class), LocalTime.MIDNIGHT, null,
                bytesPerSecond)), ZoneId.of("UTC"), "*=" + rateText);
    }

    /** The limit in bytes per second at {@code now}, 0 for unlimited. */
    public long bytesPerSecondAt(Instant now) {
        ZonedDateTime local = now.atZone(zone);
        for (Rule rule : rules) {
            if (rule.matches(local)) {
                return rule.bytesPerSecond();
            }
        }
        return 0;
    }

    /**
     * Parses the schedule's text (see the class comment).
     *
     * @param rates parses a RATE such as {@code 20M} into bytes per second (its exceptions name what is wrong)
     * @throws IllegalArgumentException saying which rule is wrong and how
     */
    public static RateSchedule parse(String text, ZoneId zone, ToLongFunction<String> rates) {
        List<Rule> rules = new ArrayList<>();
        for (String part : text.split(",")) {
            String rule = part.trim();
            try {
                rules.add(parseRule(rule, rates));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("rate schedule rule '" + rule + "': " + e.getMessage()
                        + " (rules look like 'Mon-Fri 08:00-18:00=20M' or '*=0', separated by commas)", e);
            }
        }
        return new RateSchedule(rules, zone, text.trim());
    }

    private static Rule parseRule(String rule, ToLongFunction<String> rates) {
        int eq = rule.lastIndexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("no '=RATE'");
        }
        long rate = rates.applyAsLong(rule.substring(eq + 1).trim());
        Set<DayOfWeek> days = EnumSet.allOf(DayOfWeek.class);
        LocalTime from = LocalTime.MIDNIGHT;
        LocalTime to = null;
        for (String word : rule.substring(0, eq).trim().split("\\s+")) {
            if (word.isEmpty() || word.equals("*")) {
                continue;
            }
            if (Character.isDigit(word.charAt(0))) {
                String[] span = word.split("-", -1);
                if (span.length != 2) {
                    throw new IllegalArgumentException("'" + word + "' is not a span HH:MM-HH:MM");
                }
                from = time(span[0]);
                to = span[1].equals("24:00") ? null : time(span[1]);
            } else {
                days = days(word);
            }
        }
        return new Rule(days, from, to, rate);
    }

    private static LocalTime time(String text) {
        try {
            return LocalTime.parse(text.length() == 4 ? "0" + text : text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a time HH:MM");
        }
    }

    private static Set<DayOfWeek> days(String word) {
        String[] range = word.split("-", -1);
        if (range.length > 2) {
            throw new IllegalArgumentException("'" + word + "' is not a day or a day range such as Mon-Fri");
        }
        DayOfWeek first = day(range[0]);
        DayOfWeek last = range.length == 2 ? day(range[1]) : first;
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (DayOfWeek d = first; ; d = d.plus(1)) {
            days.add(d);
            if (d == last) {
                return days;
            }
        }
    }

    private static DayOfWeek day(String name) {
        for (DayOfWeek d : DayOfWeek.values()) {
            if (d.name().substring(0, 3).equalsIgnoreCase(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)");
    }

    @Override
    public String toString() {
        return text + " (" + zone + ")";
    }

    /** A rate for people: {@code 20.0 MiB/s}, or {@code unlimited}. */
    public static String describe(long bytesPerSecond) {
        if (bytesPerSecond == 0) {
            return "unlimited";
        }
        return String.format(Locale.ROOT, "%.1f MiB/s", bytesPerSecond / (1024.0 * 1024.0));
    }
}
