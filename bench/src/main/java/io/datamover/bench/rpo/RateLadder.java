package io.datamover.bench.rpo;

import java.util.OptionalLong;

/**
 * The fio rates a sustained-rate search tries, one step at a time: doubling from {@code start} while every step
 * holds, then halving the gap between the highest rate held and the lowest that failed, each rate a multiple of
 * {@code resolution}; done when that gap is one resolution wide, or the doubling passes {@code max}. Every
 * transport's search starts at the same rate, so their doubling steps are the same rates, which gives a rate all of
 * them ran (and CPU per MiB compared at equal load).
 */
final class RateLadder {
    private final long start;
    private final long resolution;
    private final long max;
    private long highestHeld;
    private long lowestFailed = Long.MAX_VALUE;

    RateLadder(long start, long resolution, long max) {
        if (resolution < 1 || start < resolution || start % resolution != 0 || max < start) {
            throw new IllegalArgumentException("a ladder from " + start + " by " + resolution + " up to " + max);
        }
        this.start = start;
        this.resolution = resolution;
        this.max = max;
    }

    /** The next rate to try, or empty when the search is done. */
    OptionalLong next() {
        if (lowestFailed == Long.MAX_VALUE) {
            long rate = highestHeld == 0 ? start : 2 * highestHeld;
            return rate > max ? OptionalLong.empty() : OptionalLong.of(rate);
        }
        long middle = (highestHeld + lowestFailed) / 2 / resolution * resolution;
        return middle <= highestHeld || middle >= lowestFailed ? OptionalLong.empty() : OptionalLong.of(middle);
    }

    /** Records a step's outcome at {@code rate}. */
    void record(long rate, boolean held) {
        if (held) {
            highestHeld = Math.max(highestHeld, rate);
        } else {
            lowestFailed = Math.min(lowestFailed, rate);
        }
    }

    /** The highest rate that held so far, 0 when none. */
    long highestHeld() {
        return highestHeld;
    }

    /** The lowest rate that failed so far, empty when none. */
    OptionalLong lowestFailed() {
        return lowestFailed == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(lowestFailed);
    }
}
