package io.datamover.cli.admin;

import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the status page charts and lists: per group a bounded ring of samples (time, lag in seconds, lag in records),
 * and the last errors the groups reported (an error is listed when a group's last error changes to it). Bounded: at
 * most {@code samplesPerGroup} samples a group, {@link #MAX_ERRORS} errors; a group gone from the report is dropped.
 * Recorded by the admin ticker thread, read by the admin HTTP threads: the methods are synchronized.
 */
public final class StatusHistory {
    /** Errors kept for the page. */
    static final int MAX_ERRORS = 20;

    private final InstantSource clock;
    private final int samplesPerGroup;
    private final Map<String, ArrayDeque<Sample>> samples = new LinkedHashMap<>();
    private final Map<String, String> lastErrors = new HashMap<>();
    private final ArrayDeque<ErrorEntry> errors = new ArrayDeque<>();

    private record Sample(long millis, Double lagSeconds, Long lagRecords) {}

    private record ErrorEntry(long millis, String cg, String text) {}

    /** @param samplesPerGroup samples kept per group; at one a second, 600 are the last ten minutes */
    public StatusHistory(InstantSource clock, int samplesPerGroup) {
        if (samplesPerGroup < 1) {
            throw new IllegalArgumentException("samplesPerGroup must be at least 1: " + samplesPerGroup);
        }
        this.clock = clock;
        this.samplesPerGroup = samplesPerGroup;
    }

    /** Samples every group of {@code report} at the clock's now. */
    public synchronized void record(StatusReport report) {
        long now = clock.millis();
        Map<String, StatusReport.Group> present = new HashMap<>();
        for (StatusReport.Group group : report.groups()) {
            present.put(group.cg(), group);
            ArrayDeque<Sample> ring = samples.computeIfAbsent(group.cg(), cg -> new ArrayDeque<>());
            if (ring.size() == samplesPerGroup) {
                ring.removeFirst();
            }
            ring.addLast(new Sample(now, group.lagSeconds(), group.lagRecords()));
            String error = group.lastError();
            if (error != null && !error.equals(lastErrors.get(group.cg()))) {
                if (errors.size() == MAX_ERRORS) {
                    errors.removeFirst();
                }
                errors.addLast(new ErrorEntry(now, group.cg(), error));
            }
            lastErrors.put(group.cg(), error);
        }
        samples.keySet().retainAll(present.keySet());
        lastErrors.keySet().retainAll(present.keySet());
    }

    /**
     * The history as JSON: {@code {"now":MS,"groups":[{"cg":"1","samples":[[MS,LAG_S,LAG_RECORDS],...]}],
     * "errors":[{"time":MS,"cg":"1","error":"..."}]}}, oldest first; an unknown figure is null.
     */
    public synchronized String json() {
        StringBuilder out = new StringBuilder(256).append("{\"now\":").append(clock.millis()).append(",\"groups\":[");
        String separator = "";
        for (Map.Entry<String, ArrayDeque<Sample>> group : samples.entrySet()) {
            out.append(separator).append("{\"cg\":").append(StatusJson.string(group.getKey())).append(",\"samples\":[");
            String comma = "";
            for (Sample s : group.getValue()) {
                out.append(comma).append('[').append(s.millis()).append(',')
                        .append(StatusJson.number(s.lagSeconds()))
                        .append(',').append(s.lagRecords()).append(']');
                comma = ",";
            }
            out.append("]}");
            separator = ",";
        }
        out.append("],\"errors\":[");
        separator = "";
        for (ErrorEntry e : errors) {
            out.append(separator).append("{\"time\":").append(e.millis()).append(",\"cg\":")
                    .append(StatusJson.string(e.cg())).append(",\"error\":").append(StatusJson.string(e.text()))
                    .append('}');
            separator = ",";
        }
        return out.append("]}\n").toString();
    }
}
