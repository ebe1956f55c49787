package io.datamover.bench.rpo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line chart as a standalone SVG: one polyline with point markers per series, linear axes from zero with
 * rounded ticks, a legend. Enough for the harness's plots without a plotting library.
 */
final class SvgChart {
    private static final int WIDTH = 720;
    private static final int HEIGHT = 420;
    private static final int LEFT = 70;
    private static final int RIGHT = 190;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

    /** One line: its legend name and its points, drawn in the order given. */
    record Line(String name, double[] x, double[] y) {}

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Line> lines = new ArrayList<>();

    SvgChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    SvgChart line(String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x and y differ in length");
        }
        // Points without a value (a run that never drained) are left out rather than drawn at an edge.
        int[] keep = java.util.stream.IntStream.range(0, x.length)
                .filter(i -> Double.isFinite(x[i]) && Double.isFinite(y[i])).toArray();
        lines.add(new Line(name, java.util.Arrays.stream(keep).mapToDouble(i -> x[i]).toArray(),
                java.util.Arrays.stream(keep).mapToDouble(i -> y[i]).toArray()));
        return this;
    }

    String svg() {
        double xMax = niceCeiling(max(true));
        double yMax = niceCeiling(max(false));
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        StringBuilder s = new StringBuilder();
        s.append(fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                + " font-family=\"sans-serif\" font-size=\"12\">\n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        s.append(fmt("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", WIDTH, HEIGHT));
        s.append(fmt("<text x=\"%d\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">%s</text>\n",
                LEFT + plotW / 2, escape(title)));
        for (int i = 0; i <= 5; i++) {
            double fx = i / 5.0;
            double px = LEFT + fx * plotW;
            double py = TOP + plotH - fx * plotH;
            s.append(fmt("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", px, TOP, px,
                    TOP + plotH));
            s.append(fmt("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", LEFT, py,
                    LEFT + plotW, py));
            s.append(fmt("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", px, TOP + plotH + 16,
                    tick(fx * xMax)));
            s.append(fmt("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", LEFT - 6, py + 4,
                    tick(fx * yMax)));
        }
        s.append(fmt("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"black\"/>\n", LEFT,
                TOP, plotW, plotH));
        s.append(fmt("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", LEFT + plotW / 2, HEIGHT - 10,
                escape(xLabel)));
        s.append(fmt("<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">%s</text>\n",
                TOP + plotH / 2, TOP + plotH / 2, escape(yLabel)));
        for (int l = 0; l < lines.size(); l++) {
            Line line = lines.get(l);
            String colour = COLOURS[l % COLOURS.length];
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < line.x().length; i++) {
                double px = LEFT + line.x()[i] / xMax * plotW;
                double py = TOP + plotH - line.y()[i] / yMax * plotH;
                points.append(fmt("%.1f,%.1f ", px, py));
                if (line.x().length <= 50) {
                    s.append(fmt("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", px, py, colour));
                }
            }
            s.append(fmt("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>\n", colour,
                    points.toString().trim()));
            int ly = TOP + 10 + l * 18;
            s.append(fmt("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>\n",
                    WIDTH - RIGHT + 12, ly, WIDTH - RIGHT + 32, ly, colour));
            s.append(fmt("<text x=\"%d\" y=\"%d\">%s</text>\n", WIDTH - RIGHT + 38, ly + 4, escape(line.name())));
        }
        return s.append("</svg>\n").toString();
    }

    private double max(boolean x) {
        double m = 0;
        for (Line line : lines) {
            for (double v : x ? line.x() : line.y()) {
                if (Double.isFinite(v)) {
                    m = Math.max(m, v);
                }
            }
        }
        return m;
    }

    /** The smallest of 1, 2, 2.5 or 5 times a power of ten at or above {@code v}; 1 for an empty chart. */
    static double niceCeiling(double v) {
        if (!(v > 0)) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * power >= v * (1 - 1e-9)) {
                return step * power;
            }
        }
        return 10 * power;
    }

    private static String tick(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : fmt("%.3g", v);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
