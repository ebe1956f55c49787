package io.datamover.cli;

import io.datamover.cli.demo.AcknowledgingReceiver;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code datamover ack-receiver}: a stand-in for the source gateway until it exists, so the tap can
 * be run and benchmarked with replication on. It checks and acknowledges but stores nothing.
 */
@Command(name = "ack-receiver", mixinStandardHelpOptions = true,
        description = "Stand-in source gateway for demos and benchmarks: accepts taps, checks every frame, seq and CRC, and acknowledges (it does not batch or compress, to stay cheap in benchmarks). It STORES NOTHING: its acks are not durable.")
public final class AckReceiverCommand implements Callable<Integer> {
    @Option(names = "--listen", required = true, converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            description = "Address to accept taps on.")
    HostPort listen;

    @Override
    public Integer call() throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        try (AcknowledgingReceiver receiver = new AcknowledgingReceiver(listen.toAddress(), false)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "ack-receiver-stop"));
            System.err.println("ack-receiver listening on " + receiver.address() + " (stores nothing)");
            stopped.await();
        }
        return 0;
    }
}
