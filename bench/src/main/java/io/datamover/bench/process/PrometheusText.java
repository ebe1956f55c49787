package io.datamover.bench.process;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Values read from a Prometheus text exposition, without a client library for a handful of gauges. */
public final class PrometheusText {
    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)",
            Pattern.MULTILINE);

    private PrometheusText() {}

    /**
     * The sum of every sample of {@code metric} whose labels contain {@code labelFragment} (e.g.
     * {@code area="heap"}; empty matches all), or -1 when there is none.
     */
    public static long sum(String exposition, String metric, String labelFragment) {
        Matcher m = LINE.matcher(exposition);
        double total = 0;
        boolean found = false;
        while (m.find()) {
            String labels = m.group(2) == null ? "" : m.group(2);
            if (m.group(1).equals(metric) && labels.contains(labelFragment)) {
                total += Double.parseDouble(m.group(3));
                found = true;
            }
        }
        return found ? Math.round(total) : -1;
    }
}
