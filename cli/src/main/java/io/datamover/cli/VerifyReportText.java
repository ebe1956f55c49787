package io.datamover.cli;

import io.datamover.disk.Extent;
import io.datamover.disk.compare.ComparisonReport;
import io.datamover.disk.compare.DiskFacts;
import java.time.Duration;
import java.util.Locale;

/** The human-readable report of {@code datamover verify}: a verdict line, the facts, then the differing ranges. */
public final class VerifyReportText {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private VerifyReportText() {
    }

    /** The whole report, one line per item, each ending with a line separator. */
    public static String format(ComparisonReport report, Duration elapsed) {
        StringBuilder text = new StringBuilder();
        line(text, verdict(report));
        line(text, "  source  " + facts(report.source()));
        line(text, "  replica " + facts(report.replica()));
        line(text, String.format(Locale.ROOT, "  compared %s in %s regions, read %s, in %.3f s",
                bytes(report.bytesCompared()), bytes(report.regionSizeBytes()), bytes(report.bytesRead()),
                elapsed.toNanos() / 1e9));
        if (report.differenceCount() > 0) {
            line(text, "  differing ranges (offset .. end, length, exact bytes [start, end)):");
            for (Extent range : report.differences()) {
                line(text, String.format(Locale.ROOT, "    %s .. %s, %s, [%d, %d)", bytes(range.offset()),
                        bytes(range.end()), bytes(range.length()), range.offset(), range.end()));
            }
            if (report.differencesTruncated()) {
                line(text, "    ... and " + (report.differenceCount() - report.differences().size())
                        + " more ranges not listed");
            }
        }
        return text.toString();
    }

    /** The first line of the report: EQUAL or DIFFERENT and why. */
    public static String verdict(ComparisonReport report) {
        if (report.equal()) {
            return "EQUAL: same size, same content";
        }
        StringBuilder why = new StringBuilder("DIFFERENT:");
        if (report.sizesDiffer()) {
            why.append(" sizes differ (source ").append(bytes(report.source().sizeBytes()))
                    .append(", replica ").append(bytes(report.replica().sizeBytes())).append(')');
            if (report.differenceCount() > 0) {
                why.append(';');
            }
        }
        if (report.differenceCount() > 0) {
            why.append(' ').append(report.differenceCount())
                    .append(report.differenceCount() == 1 ? " range differs, " : " ranges differ, ")
                    .append(bytes(report.differingBytes()));
        }
        return why.toString();
    }

    private static String facts(DiskFacts disk) {
        return disk.path() + (disk.blockDevice() ? " (block device)" : "") + ": size " + bytes(disk.sizeBytes())
                + ", allocated " + bytes(disk.allocatedBytes());
    }

    /** {@code 65536} as "64 KiB (65536 bytes)"; below 1 KiB just "512 B". */
    public static String bytes(long count) {
        if (count < 1024) {
            return count + " B";
        }
        int unit = (63 - Long.numberOfLeadingZeros(count)) / 10;
        double scaled = count / Math.pow(1024, unit);
        String number = scaled == Math.rint(scaled) ? String.valueOf((long) scaled)
                : String.format(Locale.ROOT, "%.2f", scaled);
        return number + " " + UNITS[unit] + " (" + count + " bytes)";
    }

    private static void line(StringBuilder text, String line) {
        text.append(line).append(System.lineSeparator());
    }
}
