package io.datamover.cli.admin;

import io.datamover.disk.Extent;
import io.datamover.tap.SourceDigests;
import io.datamover.tap.Tap;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The source side of {@code datamover verify --online}, on the tap's admin port (the tap is the one that reads the
 * source disks): {@code POST /verify/disks?cg=N} lists the disks ({@code name size} lines); {@code POST
 * /verify/digests?cg=N&disk=&offset=&regionSize=&count=} digests regions ({@link DigestExchange}, with the mode
 * around the read and the last seq after it); {@code POST /verify/repair?cg=N&disk=&ranges=OFFSET:LENGTH,...} marks
 * the ranges for the tap's region resync ({@link Tap#resyncRegions}); {@code POST
 * /verify/result?cg=N&compared=&different=&unsettled=} keeps the command's outcome as the
 * {@code datamover_verify_last_regions_*} gauges (the command is one-shot; the tap is the source site's daemon).
 */
final class TapVerifyActions {
    static final String DISKS = "/verify/disks";
    static final String REPAIR = "/verify/repair";
    static final String RESULT = "/verify/result";
    /** The unit the repaired-regions counter counts in: the tap's dirty-region size. */
    private static final long REGION_BYTES = 64 << 10;

    /** The last online verify's outcome, as the command reported it: compared, different, unsettled regions. */
    private final AtomicLong compared = new AtomicLong();
    private final AtomicLong different = new AtomicLong();
    private final AtomicLong unsettled = new AtomicLong();
    private final Counter runs;
    private final Counter repaired;

    TapVerifyActions(MeterRegistry registry) {
        gauge(registry, "datamover.verify.last.regions.compared", "regions the last online verify compared", compared);
        gauge(registry, "datamover.verify.last.regions.different",
                "regions the last online verify found different (before any repair)", different);
        gauge(registry, "datamover.verify.last.regions.unsettled",
                "regions the last online verify could not compare (written throughout)", unsettled);
        runs = Counter.builder("datamover.verify.runs").description("online verifies that reported their outcome")
                .register(registry);
        repaired = Counter.builder("datamover.verify.repaired.regions")
                .description("regions online verify --repair had the tap resync").register(registry);
    }

    private static void gauge(MeterRegistry registry, String name, String help, AtomicLong value) {
        Gauge.builder(name, value, AtomicLong::get).description(help).register(registry);
    }

    static boolean serves(String path) {
        return path.equals(DISKS) || path.equals(DigestExchange.DIGESTS) || path.equals(REPAIR)
                || path.equals(RESULT);
    }

    AdminActions.Answer post(Tap tap, String path, Map<String, String> parameters) {
        try {
            if (path.equals(RESULT)) {
                compared.set(Long.parseLong(parameters.getOrDefault("compared", "")));
                different.set(Long.parseLong(parameters.getOrDefault("different", "")));
                unsettled.set(Long.parseLong(parameters.getOrDefault("unsettled", "")));
                runs.increment();
                return new AdminActions.Answer(200, "recorded\n");
            }
            if (path.equals(DISKS)) {
                StringBuilder text = new StringBuilder();
                tap.diskSizes().forEach((name, size) -> text.append(name).append(' ').append(size).append('\n'));
                return new AdminActions.Answer(200, text.toString());
            }
            if (path.equals(REPAIR)) {
                return repair(tap, parameters);
            }
            DigestExchange.Request request = DigestExchange.request(parameters);
            SourceDigests digests = tap.regionDigests(request.disk(), request.offset(), request.regionBytes(),
                    request.count());
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("mode-before", digests.modeBefore());
            fields.put("mode-after", digests.modeAfter());
            fields.put("streaming-stretch", digests.streamingStretch());
            fields.put("last-seq", digests.lastSeq());
            return new AdminActions.Answer(200, DigestExchange.format(fields, digests.span()));
        } catch (IllegalArgumentException e) {
            return new AdminActions.Answer(400, path.substring(1) + ": " + e.getMessage() + "\n");
        } catch (IOException e) {
            return new AdminActions.Answer(500, path.substring(1) + " failed: " + e.getMessage() + "\n");
        }
    }

    private AdminActions.Answer repair(Tap tap, Map<String, String> parameters) throws IOException {
        String disk = parameters.getOrDefault("disk", "");
        List<Extent> ranges = new ArrayList<>();
        for (String range : parameters.getOrDefault("ranges", "").split(",")) {
            String[] parts = range.split(":");
            if (parts.length != 2) {
                throw new IllegalArgumentException("needs ranges=OFFSET:LENGTH,...: " + range);
            }
            ranges.add(new Extent(Long.parseLong(parts[0]), Long.parseLong(parts[1])));
        }
        tap.resyncRegions(disk, ranges);
        repaired.increment(ranges.stream().mapToLong(range -> (range.length() + REGION_BYTES - 1) / REGION_BYTES)
                .sum());
        return new AdminActions.Answer(200, ranges.size() + " range(s) of disk " + disk
                + " marked dirty: the tap resyncs them now (replication goes on)\n");
    }
}
