package io.datamover.bench.rpo;

import static io.datamover.bench.OptionPairs.require;

import io.datamover.bench.OptionPairs;
import io.datamover.bench.Sizes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/bench migrate} (issue 18): the guest-visible pause of a planned migration at given fio write rates. For
 * each rate a fresh pair ({@link DaemonPipeline}: tap, source and target gateway each a {@code bin/datamover} JVM) on
 * an empty sparse disk, caught up; fio writes through the tap at that rate; after {@code --warm-seconds} of it,
 * {@code datamover migrate --cg 1} runs through the three admin ports, and its own report gives the pause (from the
 * first write held to the promoted replicas). fio's writes after the hand-off are refused (EPERM), so it is stopped
 * then. Everything lives under {@code dir/migrate-run}, removed after each rate (the daemons' logs are kept when a
 * rate fails). Exit 2 on bad options.
 *
 * <pre>bin/bench migrate --rates 1M,4M,16M --size 256M --warm-seconds 10</pre>
 */
public final class MigrateBench {
    private static final Logger LOG = LoggerFactory.getLogger(MigrateBench.class);
    private static final Duration COMMAND = Duration.ofMinutes(5);
    private static final Pattern PAUSE = Pattern.compile("guest-visible pause: ([0-9.]+) s");
    private static final Pattern HELD_AT = Pattern.compile("the last seq is ([0-9]+)");
    /** The guest's writes: 64 KiB, four in flight, half compressible, over the whole disk. */
    private static final int GUEST_BLOCK = 64 << 10;
    private static final int GUEST_DEPTH = 4;

    /**
     * @param dir where the disk, the daemons' directories and logs live
     * @param diskBytes size of the source disk
     * @param rates the guest's fio {@code --rate} of each run, in bytes per second
     * @param warmSeconds how long fio writes before the migration starts
     * @param maxPause {@code datamover migrate --max-pause} (and {@code --max-lag}), seconds
     * @param out a file the report is also written to
     */
    record Options(Path dir, long diskBytes, List<Long> rates, int warmSeconds, int maxPause, Transport transport,
            Optional<Path> out) {
        static final String USAGE = "usage: bench migrate [--dir DIR] [--size 256M] [--rates 1M,4M,16M]"
                + " [--warm-seconds 10] [--max-pause 30] [--transport tls-jdk] [--out FILE]";

        Options {
            require(diskBytes >= 16L << 20 && diskBytes % (1 << 20) == 0, "--size must be a multiple of 1M, at least"
                    + " 16M", USAGE);
            require(!rates.isEmpty() && rates.stream().allMatch(r -> r >= GUEST_BLOCK), "--rates must each be at"
                    + " least 64k", USAGE);
            require(warmSeconds >= 1, "--warm-seconds must be at least 1", USAGE);
            require(maxPause >= 1, "--max-pause must be at least 1", USAGE);
        }

        static Options parse(String... args) {
            Map<String, String> given = OptionPairs.parse(args, Set.of("--dir", "--size", "--rates", "--warm-seconds",
                    "--max-pause", "--transport", "--out"), USAGE);
            try {
                return new Options(Path.of(given.getOrDefault("--dir", "/var/tmp/dm-migrate-bench")),
                        Sizes.parse(given.getOrDefault("--size", "256M")),
                        Arrays.stream(given.getOrDefault("--rates", "1M,4M,16M").split(",")).map(Sizes::parse)
                                .toList(),
                        Integer.parseInt(given.getOrDefault("--warm-seconds", "10")),
                        Integer.parseInt(given.getOrDefault("--max-pause", "30")),
                        Transport.parse(given.getOrDefault("--transport", "tls-jdk")),
                        Optional.ofNullable(given.get("--out")).map(Path::of));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number: " + e.getMessage() + "\n" + USAGE, e);
            }
        }
    }

    /** One migration: how it ended, the pause it reported (NaN when none), how long the command ran, its output. */
    record Run(long rate, int exitCode, double pauseSeconds, long heldAtSeq, double commandSeconds, String output) {}

    private MigrateBench() {}

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        Files.createDirectories(options.dir());
        MachineFacts machine = MachineFacts.probe(options.dir());
        List<Run> runs = new ArrayList<>();
        for (long rate : options.rates()) {
            runs.add(measure(options, rate));
        }
        String report = markdown(machine, options, runs);
        System.out.println();
        System.out.print(report);
        if (options.out().isPresent()) {
            Files.writeString(options.out().get(), report);
        }
    }

    /** A fresh pair, fio at {@code rate}, then the migration. */
    static Run measure(Options options, long rate) throws Exception {
        return OperationBench.onFreshPair(options.dir(), "migrate", options.diskBytes(), options.transport(),
                (pipeline, work) -> migrateUnderFio(pipeline, options, rate, work));
    }

    private static Run migrateUnderFio(DaemonPipeline pipeline, Options options, long rate, Path work)
            throws Exception {
        AdminProbe probe = pipeline.probe();
        if (Double.isNaN(PhaseRunner.awaitCaughtUp(probe, EndToEndRun.SETUP_TIMEOUT))) {
            throw new IllegalStateException("the pair did not catch up with the empty disk");
        }
        Workload guest = new Workload(options.warmSeconds() + (int) COMMAND.toSeconds(), GUEST_BLOCK, 50, GUEST_DEPTH,
                rate);
        LOG.info("bench migrate: fio at {} B/s for {} s, then datamover migrate", rate, options.warmSeconds());
        FioRun fio = FioRun.start(guest, probe.nbdUri(), options.diskBytes());
        OperatorCommand.Outcome migrated;
        try {
            // The guest's steady state before the migration: a fixed warm-up, the bench's parameter.
            TimeUnit.SECONDS.sleep(options.warmSeconds());
            String pause = Integer.toString(options.maxPause());
            migrated = OperatorCommand.run(work, pipeline.adminToken(), COMMAND, List.of("migrate", "--cg", "1",
                    "--tap-admin", "127.0.0.1:" + probe.tapAdminPort(), "--source-admin", "127.0.0.1:"
                            + probe.sourceAdminPort(), "--target-admin", "127.0.0.1:" + probe.targetAdminPort(),
                    "--max-pause", pause, "--max-lag", pause, "--now-at", "the bench's recovery site"));
        } finally {
            fio.stop(); // its writes are refused since the hand-off
        }
        Matcher pause = PAUSE.matcher(migrated.output());
        Matcher held = HELD_AT.matcher(migrated.output());
        return new Run(rate, migrated.exitCode(), pause.find() ? Double.parseDouble(pause.group(1)) : Double.NaN,
                held.find() ? Long.parseLong(held.group(1)) : -1, migrated.seconds(), migrated.output());
    }

    static String markdown(MachineFacts machine, Options o, List<Run> runs) {
        StringBuilder md = new StringBuilder(machine.markdown(o.dir()));
        md.append("\n| parameter | value |\n|---|---|\n")
                .append("| pair | tap, source and target gateway each a bin/datamover JVM (").append(o.transport()
                        .label()).append("), the gateways linked through an unlimited loopback proxy; a fresh pair per"
                        + " rate |\n")
                .append("| source disk | ").append(Sizes.human(o.diskBytes())).append(" sparse, empty |\n")
                .append("| guest | fio nbd engine, randwrite, bs 64 KiB, iodepth ").append(GUEST_DEPTH)
                .append(", 50% compressible, ").append(o.warmSeconds()).append(" s before the migration |\n")
                .append("| migration | datamover migrate --cg 1 --max-pause ").append(o.maxPause()).append(" --max-lag ")
                .append(o.maxPause()).append(" |\n\n");
        md.append("| fio --rate | exit | guest-visible pause (s) | held at seq | command (s, its JVM included) |\n")
                .append("|---|---|---|---|---|\n");
        for (Run r : runs) {
            md.append(String.format(Locale.ROOT, "| %s/s | %d | %s | %d | %.2f |%n", Sizes.human(r.rate()),
                    r.exitCode(), Double.isNaN(r.pauseSeconds()) ? "none" : String.format(Locale.ROOT, "%.2f",
                            r.pauseSeconds()), r.heldAtSeq(), r.commandSeconds()));
        }
        for (Run r : runs) {
            if (r.exitCode() != 0) {
                md.append("\nAt ").append(Sizes.human(r.rate())).append("/s the migration did not hand off:\n\n```\n")
                        .append(r.output().strip()).append("\n```\n");
            }
        }
        return md.toString();
    }
}
