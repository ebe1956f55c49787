package io.datamover.cli;

import io.datamover.disk.compare.ComparisonReport;
import io.datamover.disk.compare.DiskComparison;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code datamover verify}: compares a source disk with its replica and says whether they are equal. */
@Command(name = "verify", header = "Compare a replica with its source disk region by region (holes skipped); exit 0 when equal.",
        mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false,
        description = "Compares two disk images (sparse files or block devices) region by region with SHA-256 "
                + "digests and lists the regions that differ. Only data is read: a range that is a hole on both "
                + "sides is skipped, and a hole equals written zeros (replicas are kept thin). Disks of different "
                + "sizes are reported as different; the longer one's excess is also compared against zeros. "
                + "Compare disks that nobody writes meanwhile (a paused guest, a stopped replica).",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:equal: same size, same content",
            "1:different: sizes or content differ",
            "2:bad options or a path that cannot be read",
            "3:an I/O error stopped the comparison"})
public final class VerifyCommand implements Callable<Integer> {
    static final int EXIT_EQUAL = 0;
    static final int EXIT_DIFFERENT = 1;
    static final int EXIT_IO_ERROR = 3;

    @Option(names = "--source", required = true, paramLabel = "PATH",
            description = "The protected disk: an image file or a block device.")
    Path source;

    @Option(names = "--replica", required = true, paramLabel = "PATH",
            description = "Its replica: an image file or a block device.")
    Path replica;

    @Option(names = "--json", description = "Print one JSON object instead of the text report.")
    boolean json;

    @Option(names = "--region-size", defaultValue = "64K", converter = ByteSize.class, paramLabel = "SIZE",
            description = "Unit of comparison and of the reported differences: a power of two from 4K to 1G "
                    + "(default: ${DEFAULT-VALUE}).")
    long regionSizeBytes;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        int regionBytes;
        try {
            regionBytes = DiskComparison.checkedRegionSize(regionSizeBytes);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--region-size: " + e.getMessage());
        }
        checkReadable("--source", source);
        checkReadable("--replica", replica);

        long started = System.nanoTime();
        ComparisonReport report;
        try {
            report = DiskComparison.compare(source, replica, regionBytes);
        } catch (IOException e) {
            spec.commandLine().getErr().println("verify: comparison stopped by an I/O error: " + e.getMessage());
            return EXIT_IO_ERROR;
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);

        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? VerifyReportJson.format(report, elapsed) + System.lineSeparator()
                : VerifyReportText.format(report, elapsed));
        out.flush();
        return report.equal() ? EXIT_EQUAL : EXIT_DIFFERENT;
    }

    private void checkReadable(String option, Path path) {
        String problem = !Files.exists(path) ? "no such file or device"
                : Files.isDirectory(path) ? "is a directory, not a disk"
                : !Files.isReadable(path) ? "not readable" : null;
        if (problem != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " " + path + ": " + problem);
        }
    }
}
