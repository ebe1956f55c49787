package io.datamover.cli.online;

import io.datamover.cli.VerifyReportText;
import io.datamover.disk.Extent;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** The report of {@code datamover verify --online}: a verdict line, then each disk with its differing ranges. */
public final class OnlineVerifyText {
    /** How the source gateway's answer to {@code verify --online} begins: the exit status, then the report. */
    public static final String EXIT_STATUS = "exit-status ";

    private OnlineVerifyText() {
    }

    public static String format(long cg, OnlineVerify.Report report, Duration elapsed) {
        StringBuilder text = new StringBuilder();
        line(text, "consistency group " + cg + ": " + verdict(report));
        for (OnlineVerify.DiskResult disk : report.disks()) {
            line(text, String.format(Locale.ROOT, "  %s: %d regions of %s compared, %d differ, %d unsettled", disk.disk(),
                    disk.regionsCompared(), VerifyReportText.bytes(report.regionBytes()),
                    count(disk.differences(), report.regionBytes()), count(disk.unsettled(), report.regionBytes())));
            ranges(text, "differs", disk.differences());
            ranges(text, "unsettled (written throughout)", disk.unsettled());
            if (report.repairAsked() && !disk.differences().isEmpty()) {
                line(text, disk.stillDifferentAfterRepair().isEmpty()
                        ? "    repaired: resynced by the tap, read equal since"
                        : "    repair asked; still different when verify stopped waiting:");
                ranges(text, "still differs", disk.stillDifferentAfterRepair());
            }
        }
        line(text, String.format(Locale.ROOT, "  read %s (both sites) in %.3f s", VerifyReportText.bytes(report.bytesRead()),
                elapsed.toNanos() / 1e9));
        return text.toString();
    }

    private static String verdict(OnlineVerify.Report report) {
        if (report.equal()) {
            return "EQUAL";
        }
        if (!report.anyDifference()) {
            return "NO DIFFERENCE FOUND, but some regions were written throughout and not compared: run it again";
        }
        return report.repaired() ? "DIFFERENT, REPAIRED" : "DIFFERENT";
    }

    private static long count(List<Extent> ranges, int regionBytes) {
        return ranges.stream().mapToLong(range -> (range.length() + regionBytes - 1) / regionBytes).sum();
    }

    private static void ranges(StringBuilder text, String what, List<Extent> ranges) {
        for (Extent range : ranges) {
            line(text, "    " + what + ": [" + range.offset() + ", " + range.end() + ")");
        }
    }

    private static void line(StringBuilder text, String line) {
        text.append(line).append(System.lineSeparator());
    }
}
