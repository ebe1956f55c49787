package io.datamover.bench.link;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * An emulated WAN link: its bandwidth in each direction, its one-way latency and the outages it suffers.
 *
 * @param bitsPerSecond each direction's bandwidth; 0 is unlimited
 * @param oneWayLatency added to every byte in each direction
 * @param outages when, counted from {@link LinkProxy#scheduleOutages}, the link goes down and for how long
 */
public record LinkSpec(long bitsPerSecond, Duration oneWayLatency, List<Outage> outages) {

    public LinkSpec {
        Objects.requireNonNull(oneWayLatency, "oneWayLatency");
        if (bitsPerSecond < 0 || oneWayLatency.isNegative()) {
            throw new IllegalArgumentException("bad link: " + bitsPerSecond + " bit/s, latency " + oneWayLatency);
        }
        outages = List.copyOf(outages);
    }

    public static LinkSpec unlimited() {
        return new LinkSpec(0, Duration.ZERO, List.of());
    }

    public LinkSpec withBandwidth(long bits) {
        return new LinkSpec(bits, oneWayLatency, outages);
    }

    public long bytesPerSecond() {
        return bitsPerSecond / 8;
    }

    /** "200 Mbit/s, 5 ms" or "unlimited, 0 ms". */
    public String describe() {
        String bandwidth = bitsPerSecond == 0 ? "unlimited" : (bitsPerSecond / 1_000_000.0) + " Mbit/s";
        return bandwidth.replace(".0 ", " ") + ", " + oneWayLatency.toMillis() + " ms one way"
                + (outages.isEmpty() ? "" : ", outages " + outages.stream().map(Outage::describe).toList());
    }

    /**
     * The link down from {@code at} for {@code length}.
     *
     * @param kind DISCONNECT closes every connection and refuses new ones (a link or gateway restart); STALL
     *     holds the bytes and stops reading at both ends, connections open (a black hole TCP rides through)
     */
    public record Outage(Duration at, Duration length, Kind kind) {
        public enum Kind { DISCONNECT, STALL }

        public Outage {
            if (at.isNegative() || length.isNegative() || length.isZero()) {
                throw new IllegalArgumentException("bad outage: at " + at + " for " + length);
            }
        }

        /** Parses {@code AT+LENGTH[:stall]} in seconds, e.g. {@code 5+1} or {@code 2.5+0.5:stall}. */
        public static Outage parse(String text) {
            String[] kindSplit = text.split(":", 2);
            String[] times = kindSplit[0].split("\\+", 2);
            if (times.length != 2) {
                throw new IllegalArgumentException("an outage is AT+LENGTH[:stall] in seconds, not " + text);
            }
            Kind kind = kindSplit.length == 1 ? Kind.DISCONNECT : switch (kindSplit[1]) {
                case "stall" -> Kind.STALL;
                case "disconnect" -> Kind.DISCONNECT;
                default -> throw new IllegalArgumentException("an outage's kind is stall or disconnect, not "
                        + kindSplit[1]);
            };
            return new Outage(seconds(times[0]), seconds(times[1]), kind);
        }

        private static Duration seconds(String text) {
            return Duration.ofNanos(Math.round(Double.parseDouble(text) * 1e9));
        }

        public String describe() {
            return String.format(java.util.Locale.ROOT, "%.1f s+%.1f s %s", at.toMillis() / 1e3, length.toMillis() / 1e3,
                    kind.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** Which way a fault acts: toward the upstream server (UPSTREAM), toward the clients (DOWNSTREAM), or both. */
    public enum Direction {
        UPSTREAM, DOWNSTREAM, BOTH;

        public boolean includesUpstream() {
            return this != DOWNSTREAM;
        }

        public boolean includesDownstream() {
            return this != UPSTREAM;
        }
    }

    /**
     * Bytes damaged above TCP from now on for {@code length}: about one byte in every {@code everyBytes} relayed in
     * {@code direction} is XORed with a non-zero value, at seeded positions, at most {@code maxFlips} bytes (per
     * direction). Connections stay up; only the receivers' checksums can tell.
     */
    public record Corruption(Direction direction, Duration length, long everyBytes, long maxFlips, long seed) {
        public Corruption {
            Objects.requireNonNull(direction, "direction");
            if (length.isNegative() || length.isZero() || everyBytes < 1 || maxFlips < 1) {
                throw new IllegalArgumentException("bad corruption: for " + length + ", one byte in " + everyBytes
                        + ", at most " + maxFlips);
            }
        }

        Corruption withSeed(long other) {
            return new Corruption(direction, length, everyBytes, maxFlips, other);
        }

        public String describe() {
            return String.format(java.util.Locale.ROOT, "corrupt %s for %.1f s, 1 byte in %d, at most %d (seed %d)",
                    direction.name().toLowerCase(java.util.Locale.ROOT), length.toMillis() / 1e3, everyBytes,
                    maxFlips, seed);
        }
    }
}
