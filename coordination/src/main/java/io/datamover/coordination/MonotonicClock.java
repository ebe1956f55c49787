package io.datamover.coordination;

/** Monotonic time in nanoseconds (never wall-clock time: a fencing deadline must not move when NTP steps the clock). */
@FunctionalInterface
public interface MonotonicClock {
    long nanos();

    static MonotonicClock system() {
        return System::nanoTime;
    }
}
