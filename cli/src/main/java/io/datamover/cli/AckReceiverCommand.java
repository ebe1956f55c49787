package io.datamover.cli;

import io.datamover.cli.admin.DaemonAdmin;
import io.datamover.protocol.Role;
import io.datamover.protocol.tls.TransportSecurity;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code datamover ack-receiver}: a stand-in for the source gateway that checks and acknowledges but stores
 * nothing, so the tap alone can be benchmarked with replication on (see docs/benchmarks.md).
 */
@Command(name = "ack-receiver", header = "Benchmark stand-in for a source gateway: checks and acknowledges, stores nothing.",
        mixinStandardHelpOptions = true,
        description = "Stand-in source gateway for the tap benchmark (bench/fio/tap-vs-nbdkit.sh, bin/bench tap-outage): accepts taps, checks every frame, seq and CRC, and acknowledges (it does not batch or compress, to stay cheap in benchmarks). It STORES NOTHING: its acks are not durable.")
public final class AckReceiverCommand implements Callable<Integer> {
    @Option(names = "--listen", required = true, converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            description = "Address to accept taps on.")
    HostPort listen;

    @CommandLine.Mixin
    TlsOption tls;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // It stands in for a source gateway: the tap checks the certificate of one.
        TransportSecurity transport = tls.open(Role.SOURCE_GATEWAY, DaemonAdmin.newRegistry(), spec.commandLine());
        Daemons.runUntilSigterm("ack-receiver", () -> new AcknowledgingReceiver(listen.toAddress(), transport),
                receiver -> System.err.println("ack-receiver listening on " + receiver.address() + " (stores nothing)"));
        return 0;
    }
}
