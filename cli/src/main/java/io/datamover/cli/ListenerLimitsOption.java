package io.datamover.cli;

import io.datamover.protocol.netty.ListenerLimits;
import picocli.CommandLine;

/** {@code --max-connections}, {@code --max-handshakes} and {@code --hello-timeout}, mixed into both gateways. */
final class ListenerLimitsOption {
    @CommandLine.Option(names = "--max-connections", defaultValue = "" + ListenerLimits.DEFAULT_MAX_CONNECTIONS,
            paramLabel = "N", description = "Connections the listener holds at once, streaming ones included; one"
                    + " more is closed at accept (a log line at most every 10 s, the metric"
                    + " datamover_listener_refused_total by reason). Keep it above --max-groups: each group streams"
                    + " on one connection (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @CommandLine.Option(names = "--max-handshakes", defaultValue = "" + ListenerLimits.DEFAULT_MAX_HANDSHAKES,
            paramLabel = "N", description = "Connections at once whose HELLO is not yet accepted; one more is closed"
                    + " at accept. Bounds what peers not yet known cost; groups already streaming are not affected"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxHandshakes;

    @CommandLine.Option(names = "--hello-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "A connection that has not sent its whole HELLO this long after it was accepted is closed,"
                    + " however slowly it sends; the time a new group then takes to open does not count"
                    + " (default: ${DEFAULT-VALUE}).")
    double helloTimeoutSeconds;

    ListenerLimits limits() {
        return new ListenerLimits(maxConnections, maxHandshakes, Math.round(helloTimeoutSeconds * 1000));
    }
}
