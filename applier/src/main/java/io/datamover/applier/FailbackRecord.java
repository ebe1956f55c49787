package io.datamover.applier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The durable record of a failback at one site ({@code failback.record} beside the replica set's stamp,
 * docs/operations.md "Failback"): written before the failback changes anything, moved on after each step, so that a
 * target gateway that starts in its middle leaves the group closed and says which step to finish, and a rerun knows
 * the seq it decided. Text, replaced atomically ({@link RecordText}).
 *
 * @param site where this failback runs
 * @param stepsDone how many of the site's {@link Site#steps()} are durable (1: recorded; all: done)
 * @param seq the seq both sites hold when the failback is decided: the recovery site's last, the original's applied
 * @param startedAtMillis when the failback was first run here (epoch milliseconds)
 * @param generation the generation both sites hold {@code seq} in, as this site decided it
 */
public record FailbackRecord(Site site, int stepsDone, long seq, long startedAtMillis, long generation) {
    public static final String FILE_NAME = "failback.record";

    /** The two halves of a failback, each with its steps in order. */
    public enum Site {
        /** The recovery site: its tap retired, its promoted replicas a replica set again. */
        RECOVERY(List.of("recorded", "recovery tap retired", "replicas UP_TO_DATE in the shared history",
                "failover record cleared")),
        /** The original site: its disks the source again, in the shared history, nothing owed. */
        ORIGINAL(List.of("recorded", "source gateway directory seeded", "tap bitmaps cleared",
                "replica set retired"));

        private final List<String> steps;

        Site(List<String> steps) {
            this.steps = steps;
        }

        public List<String> steps() {
            return steps;
        }
    }

    public FailbackRecord {
        if (stepsDone < 1 || stepsDone > site.steps().size()) {
            throw new IllegalArgumentException(stepsDone + " steps of a " + site + " failback");
        }
    }

    public boolean done() {
        return stepsDone == site.steps().size();
    }

    /** This record with {@code step} done, written to {@code directory} (durably) before it is returned. */
    public FailbackRecord advance(Path directory, int step) throws IOException {
        FailbackRecord next = new FailbackRecord(site, Math.max(stepsDone, step), seq, startedAtMillis, generation);
        next.write(directory);
        return next;
    }

    /** For status and the log: "failback at the recovery site: step 2/4 (recovery tap retired)". */
    public String progress() {
        return "failback at the " + site.name().toLowerCase(java.util.Locale.ROOT) + " site: step " + stepsDone + "/"
                + site.steps().size() + " (" + site.steps().get(stepsDone - 1) + ")";
    }

    /** The record in replica set directory {@code directory}, or empty when no failback was started there. */
    public static Optional<FailbackRecord> read(Path directory) throws IOException {
        return RecordText.read(directory.resolve(FILE_NAME), "a failback record", fields -> new FailbackRecord(
                Site.valueOf(fields.get("site")), Integer.parseInt(fields.get("stepsDone")),
                Long.parseLong(fields.get("seq")), Long.parseLong(fields.get("startedAtMillis")),
                HexFormat.fromHexDigitsToLong(fields.get("generation"))));
    }

    /** Replaces the record in {@code directory}, durably. */
    public void write(Path directory) throws IOException {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("site", site);
        fields.put("stepsDone", stepsDone);
        fields.put("seq", seq);
        fields.put("startedAtMillis", startedAtMillis);
        fields.put("generation", HexFormat.of().toHexDigits(generation));
        Files.createDirectories(directory);
        RecordText.write(directory.resolve(FILE_NAME), fields);
    }
}
