package io.datamover.cli;

import picocli.CommandLine;

/** {@code --ack-timeout}, mixed into the daemons that send a stream and wait for acks (tap, source gateway). */
final class AckTimeoutOption {
    @CommandLine.Option(names = "--ack-timeout", defaultValue = "60", paramLabel = "SECONDS",
            description = "While what was sent (records to the source gateway, batches to the target gateway) waits"
                    + " for an acknowledgement, the connection is closed and made again, sending it again, after this"
                    + " long without one; heartbeats do not count. Ends a stream stalled by bytes damaged on the way."
                    + " The timer restarts at every ack, so it must cover sending one record, or one batch (the source"
                    + " gateway's --batch-size), over the link (default: ${DEFAULT-VALUE}).")
    double seconds;

    long millis() {
        return Math.round(seconds * 1000);
    }
}
