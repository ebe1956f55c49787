package io.datamover.cli;

import io.datamover.cli.online.OnlineVerifyText;
import io.datamover.disk.compare.ComparisonReport;
import io.datamover.disk.compare.DiskComparison;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.net.URI;
import java.net.http.HttpResponse;
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
        description = {"Offline (--source, --replica): compares two disk images (sparse files or block devices) "
                + "region by region with SHA-256 digests and lists the regions that differ. Only data is read: a "
                + "range that is a hole on both sides is skipped, and a hole equals written zeros (replicas are kept "
                + "thin). Disks of different sizes are reported as different; the longer one's excess is also "
                + "compared against zeros. Compare disks that nobody writes meanwhile (a paused guest, a stopped "
                + "replica).",
                "",
                "Online (--cg N --online): compares a consistency group's source disks with their replicas while "
                        + "replication runs, nothing paused. The source gateway (--admin, with the operator's token) "
                        + "runs it: the tap digests the source disks and the target gateway the replicas, each reading "
                        + "only its allocated extents, region by region in order, the replica once it applied the "
                        + "source's seq of that read; only digests cross between the sites, over the gateways' "
                        + "authenticated link. A region written between the two reads is read again at a later seq, "
                        + "never reported as different. --repair has the tap resync the differing regions and checks "
                        + "them again. The command waits for the run. See docs/operations.md, \"Online verify\"."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:equal: same size, same content (online: or every difference repaired)",
            "1:different: sizes or content differ",
            "2:bad options or a path that cannot be read",
            "3:an I/O error stopped the comparison (online: the source gateway refused or could not be reached, a "
                    + "site did not answer, or replication did not stream)",
            "4:online: no difference found, but regions written throughout could not be compared"})
public final class VerifyCommand implements Callable<Integer> {
    static final int EXIT_EQUAL = 0;
    static final int EXIT_DIFFERENT = 1;
    static final int EXIT_BAD_OPTIONS = 2;
    static final int EXIT_IO_ERROR = 3;
    /** How often the command asks the source gateway how its online run goes. */
    private static final Duration POLL = Duration.ofSeconds(1);

    @Option(names = "--source", paramLabel = "PATH",
            description = "Offline: the protected disk, an image file or a block device.")
    Path source;

    @Option(names = "--replica", paramLabel = "PATH",
            description = "Offline: its replica, an image file or a block device.")
    Path replica;

    @Option(names = "--online", description = "Compare a running group's source and replica (needs --cg).")
    boolean online;

    @Option(names = "--cg", paramLabel = "N", description = "Online: the consistency group.")
    Long cg;

    @Option(names = "--admin", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:" + AdminOption.SOURCE_GATEWAY_PORT,
            description = "Online: the admin address of the source gateway of the group, which runs the comparison "
                    + "(default: ${DEFAULT-VALUE}).")
    HostPort admin;

    @Option(names = "--rate", paramLabel = "BYTES/s", defaultValue = "50M", converter = ByteSize.class,
            description = "Online: the most bytes a second both sites read together, on average, so guests and "
                    + "replication keep their speed; 0: unlimited (default: ${DEFAULT-VALUE}).")
    long rate;

    @Option(names = "--repair", description = "Online: have the tap resync the differing regions, then check them "
            + "again (up to --repair-wait).")
    boolean repair;

    @Option(names = "--repair-wait", paramLabel = "SECONDS", defaultValue = "300",
            description = "Online: how long --repair waits for the repaired regions to read equal (default: "
                    + "${DEFAULT-VALUE}).")
    long repairWaitSeconds;

    @Option(names = "--stream-wait", paramLabel = "SECONDS", defaultValue = "120",
            description = "Online: how long a read waits for the group to stream again (bitmap mode, a resync) "
                    + "before verify gives up (default: ${DEFAULT-VALUE}).")
    long streamWaitSeconds;

    @CommandLine.Mixin
    AdminTokenOption token;

    @Option(names = "--json", description = "Print one JSON object instead of the text report.")
    boolean json;

    @Option(names = "--region-size", defaultValue = "64K", converter = ByteSize.class, paramLabel = "SIZE",
            description = "Unit of comparison and of the reported differences: a power of two from 4K to 1G "
                    + "(default: ${DEFAULT-VALUE}).")
    long regionSizeBytes;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        int regionBytes;
        try {
            regionBytes = DiskComparison.checkedRegionSize(regionSizeBytes);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--region-size: " + e.getMessage());
        }
        if (online) {
            return online(regionBytes);
        }
        if (cg != null || repair) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--cg and --repair need --online");
        }
        if (source == null || replica == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give --source and --replica, or --cg N --online");
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

    private int online(int regionBytes) throws InterruptedException {
        if (cg == null || source != null || replica != null || json) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--online needs --cg N, and takes neither --source, --replica nor --json");
        }
        if (cg < 0 || cg > 0xFFFF_FFFFL || rate < 0 || repairWaitSeconds < 0 || streamWaitSeconds < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--cg must be 0 to 4294967295; --rate and the waits must be >= 0");
        }
        String query = "?cg=" + cg + "&region-size=" + regionBytes + "&rate=" + rate + "&repair=" + repair
                + "&repair-wait=" + repairWaitSeconds + "&stream-wait=" + streamWaitSeconds;
        PrintWriter err = spec.commandLine().getErr();
        try {
            HttpResponse<String> started = post("/verify/online" + query);
            HttpResponse<String> result = started;
            if (started.statusCode() == 200) {
                do {
                    Thread.sleep(POLL.toMillis()); // the gateway runs it; ask how it goes once a second
                    result = post("/verify/online/result?cg=" + cg);
                } while (result.statusCode() == 202);
            }
            String body = result.body();
            if (result.statusCode() != 200 || !body.startsWith(OnlineVerifyText.EXIT_STATUS)) {
                err.print("datamover verify: the online comparison stopped: " + body);
                err.flush();
                return result.statusCode() == 400 ? EXIT_BAD_OPTIONS : EXIT_IO_ERROR;
            }
            int newline = body.indexOf('\n');
            PrintWriter out = spec.commandLine().getOut();
            out.print(body.substring(newline + 1));
            out.flush();
            return Integer.parseInt(body.substring(OnlineVerifyText.EXIT_STATUS.length(), newline).strip());
        } catch (IOException e) {
            err.println(AdminRequest.unreachable("verify", admin, e) + " (the source gateway's --admin)");
            return EXIT_IO_ERROR;
        }
    }

    private HttpResponse<String> post(String pathAndQuery) throws IOException, InterruptedException {
        return AdminRequest.send("POST", URI.create("http://" + admin + pathAndQuery), AdminRequest.TIMEOUT,
                token.header());
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
