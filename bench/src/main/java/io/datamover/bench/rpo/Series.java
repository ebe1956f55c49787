package io.datamover.bench.rpo;

/**
 * Samples in time order: {@code values[i]} was taken {@code atSeconds[i]} after the series began.
 */
public record Series(double[] atSeconds, double[] values) {

    public Series {
        if (atSeconds.length != values.length) {
            throw new IllegalArgumentException("times and values differ in length");
        }
    }

    public static Series empty() {
        return new Series(new double[0], new double[0]);
    }

    public int size() {
        return values.length;
    }
}
