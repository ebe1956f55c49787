package io.datamover.bench.rpo;

import java.util.Arrays;

/** Nearest-rank percentiles of a set of samples (seconds); all NaN when there are none. */
public record Distribution(int count, double p50, double p99, double max) {

    public static Distribution of(double[] samples) {
        if (samples.length == 0) {
            return new Distribution(0, Double.NaN, Double.NaN, Double.NaN);
        }
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        return new Distribution(sorted.length, rank(sorted, 0.50), rank(sorted, 0.99), sorted[sorted.length - 1]);
    }

    private static double rank(double[] sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, index)];
    }
}
