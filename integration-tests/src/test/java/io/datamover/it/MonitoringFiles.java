package io.datamover.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The monitoring files shipped in the repository ({@code monitoring/}): the Prometheus alert rules, their unit tests
 * and the Grafana dashboard, and the metric names their queries use.
 */
final class MonitoringFiles {
    static final Path ROOT = Path.of(System.getProperty("datamover.root", "..")).toAbsolutePath().normalize();
    static final Path RULES = ROOT.resolve("monitoring/prometheus/datamover-alerts.yml");
    static final Path RULE_TESTS = ROOT.resolve("monitoring/prometheus/datamover-alerts.test.yml");
    static final Path DASHBOARD = ROOT.resolve("monitoring/grafana/datamover-dashboard.json");

    /** A metric name of the families the daemons export; PromQL functions, labels and keywords never start so. */
    private static final Pattern METRIC = Pattern.compile("\\b((?:datamover|jvm|process|system)_[a-zA-Z0-9_]*)\\b");
    private static final Pattern RULE_EXPR = Pattern.compile("(?m)^\\s+expr: (?:>-\\n((?:\\s{10,}.*\\n)+)|(.*)$)");
    private static final Pattern DASHBOARD_EXPR = Pattern.compile("\"expr\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]");

    private MonitoringFiles() {}

    /** Every {@code expr} of the alert rules (folded ones joined), in file order. */
    static List<String> ruleExpressions() throws IOException {
        List<String> exprs = new ArrayList<>();
        Matcher m = RULE_EXPR.matcher(Files.readString(RULES));
        while (m.find()) {
            exprs.add((m.group(1) != null ? m.group(1) : m.group(2)).strip().replaceAll("\\s+", " "));
        }
        return exprs;
    }

    /** Every query ({@code expr}) of the dashboard's panels, unescaped. */
    static List<String> dashboardExpressions() throws IOException {
        List<String> exprs = new ArrayList<>();
        Matcher m = DASHBOARD_EXPR.matcher(Files.readString(DASHBOARD));
        while (m.find()) {
            exprs.add(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
        return exprs;
    }

    /** The metric names in {@code expressions}. */
    static Set<String> metricNames(List<String> expressions) {
        Set<String> names = new TreeSet<>();
        for (String expr : expressions) {
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** The names of the samples in a Prometheus text scrape (histogram and summary suffixes included). */
    static Set<String> scrapedNames(String scrape) {
        Set<String> names = new TreeSet<>();
        Matcher m = SAMPLE.matcher(scrape);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
