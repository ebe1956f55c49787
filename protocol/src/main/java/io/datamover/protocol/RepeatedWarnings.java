package io.datamover.protocol;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Rate-limits a warning that a peer can repeat at will (a source refused at each reconnect, every second): the first
 * of a key (peer and reason) is logged, the same key again within {@code window} is not, and the next one logged after
 * says how many were left out. The metric beside the warning still counts each. Bounded: the least recently warned
 * keys are forgotten past {@code maxKeys}. Thread-safe.
 */
public final class RepeatedWarnings {
    /** The default window: one line a minute per peer and reason. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);
    private static final int DEFAULT_MAX_KEYS = 1024;

    private final InstantSource clock;
    private final Duration window;
    private final Map<String, Seen> entries;

    private static final class Seen {
        Instant logged;
        long suppressed;
    }

    public RepeatedWarnings(InstantSource clock, Duration window, int maxKeys) {
        this.clock = clock;
        this.window = window;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
                return size() > maxKeys;
            }
        };
    }

    /** One line a minute per key, at most 1024 keys remembered. */
    public RepeatedWarnings(InstantSource clock) {
        this(clock, DEFAULT_WINDOW, DEFAULT_MAX_KEYS);
    }

    /**
     * The key of a peer's warning: the certificate subject its connection proved (two peers that claim one sender id
     * from one host are still two peers), its HELLO's sender id (null before a HELLO) and its host, not its port
     * (each reconnect has another), and the reason.
     */
    public static String peerKey(String certificateSubject, String senderId, SocketAddress remote, Object reason) {
        String host = remote instanceof InetSocketAddress inet ? inet.getHostString() : String.valueOf(remote);
        return certificateSubject + "|" + (senderId == null ? "" : senderId + "@") + host + "/" + reason;
    }

    /**
     * Whether a warning of {@code key} is to be logged now: null when not (it is counted), else what to append to the
     * line: "" or how many like it were left out since the last one logged.
     */
    public synchronized String admit(String key) {
        Instant now = clock.instant();
        Seen entry = entries.computeIfAbsent(key, k -> new Seen());
        if (entry.logged != null && now.isBefore(entry.logged.plus(window))) {
            entry.suppressed++;
            return null;
        }
        String note = entry.suppressed == 0 ? "" : " (" + entry.suppressed + " more like it not logged since "
                + entry.logged + ")";
        entry.logged = now;
        entry.suppressed = 0;
        return note;
    }
}
