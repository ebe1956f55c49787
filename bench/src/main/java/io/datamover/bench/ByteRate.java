package io.datamover.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A JMH secondary result next to a benchmark's ops/s: the megabytes (10^6 bytes) the operations moved, which JMH
 * divides by the iteration's time and reports as {@code <benchmark>:megabytes} in MB/s (shown as "ops/s").
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class ByteRate {
    public double megabytes;

    @Setup(Level.Iteration)
    public void reset() {
        megabytes = 0;
    }

    public void add(long bytes) {
        megabytes += bytes / 1e6;
    }
}
