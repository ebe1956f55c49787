package io.datamover.cli;

import io.datamover.disk.Extent;
import io.datamover.disk.compare.ComparisonReport;
import io.datamover.disk.compare.DiskFacts;
import java.time.Duration;

/** The {@code datamover verify --json} report: one JSON object on one line, written by hand (no JSON library). */
public final class VerifyReportJson {

    private VerifyReportJson() {
    }

    public static String format(ComparisonReport report, Duration elapsed) {
        StringBuilder json = new StringBuilder(256 + 48 * report.differences().size());
        json.append("{\"result\":").append(report.equal() ? "\"EQUAL\"" : "\"DIFFERENT\"")
                .append(",\"equal\":").append(report.equal())
                .append(",\"sizesDiffer\":").append(report.sizesDiffer())
                .append(",\"source\":");
        disk(json, report.source());
        json.append(",\"replica\":");
        disk(json, report.replica());
        json.append(",\"regionSizeBytes\":").append(report.regionSizeBytes())
                .append(",\"bytesCompared\":").append(report.bytesCompared())
                .append(",\"bytesRead\":").append(report.bytesRead())
                .append(",\"elapsedMillis\":").append(elapsed.toMillis())
                .append(",\"differenceCount\":").append(report.differenceCount())
                .append(",\"differingBytes\":").append(report.differingBytes())
                .append(",\"differencesTruncated\":").append(report.differencesTruncated())
                .append(",\"differences\":[");
        String separator = "";
        for (Extent range : report.differences()) {
            json.append(separator).append("{\"offset\":").append(range.offset())
                    .append(",\"length\":").append(range.length()).append('}');
            separator = ",";
        }
        return json.append("]}").toString();
    }

    private static void disk(StringBuilder json, DiskFacts disk) {
        json.append("{\"path\":");
        string(json, disk.path().toString());
        json.append(",\"sizeBytes\":").append(disk.sizeBytes())
                .append(",\"allocatedBytes\":").append(disk.allocatedBytes())
                .append(",\"blockDevice\":").append(disk.blockDevice()).append('}');
    }

    /** Appends {@code value} as a JSON string: quotes, backslashes and control characters escaped. */
    static void string(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }
}
