package io.datamover.tap.nbd;

import io.datamover.protocol.FuzzInputs;
import io.datamover.protocol.RecordingAllocator;
import io.datamover.tap.buffer.PayloadPool;
import io.datamover.tap.export.Export;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * One NBD connection of the tap on an {@link EmbeddedChannel}: the real handshake handler, request decoder,
 * validator and transmission handler, wired as {@code NbdServer} wires them, minus the disk: the I/O executor
 * refuses every task, so a request that passes validation is answered ESHUTDOWN. {@link #feed} throws whenever
 * client bytes get anything but replies and closes: an exception escaping a handler, a leaked buffer, or an
 * allocation the input cannot justify.
 */
final class NbdServerPipeline {
    static final int MAX_OPTION_BYTES = 64 << 10;
    static final int MAX_REQUEST_BYTES = 64 << 10;
    static final long EXPORT_BYTES = 1 << 20;
    private static final Executor NO_DISK = task -> {
        throw new RejectedExecutionException("no disk behind the fuzzed pipeline");
    };

    private NbdServerPipeline() {}

    /**
     * Feeds {@code clientBytes} in chunks chosen by {@code chunking} (see {@link FuzzInputs#writeInChunks}) and
     * returns the protocol errors counted, by reason.
     */
    static Map<String, Double> feed(byte[] clientBytes, int chunking) throws Exception {
        RecordingAllocator alloc = new RecordingAllocator();
        MeterRegistry registry = new SimpleMeterRegistry();
        ProtocolErrors errors = new ProtocolErrors(registry);
        Watcher watcher = new Watcher();
        Export export = new Export(0, "disk0", null, EXPORT_BYTES, null);
        // Payloads copied into the pool (as while the group streams) or sliced (bitmap mode), by the chunking.
        PayloadPool pool = new PayloadPool(4L * MAX_REQUEST_BYTES, registry);
        boolean payloadsKept = (chunking & 1) == 0;
        NbdHandshakeHandler handshake = new NbdHandshakeHandler(Map.of("disk0", export, "", export), MAX_OPTION_BYTES,
                MAX_REQUEST_BYTES, 60_000, () -> false, errors, (ctx, session) -> {
                    NbdTransmissionHandler transmission = new NbdTransmissionHandler(session,
                            new RequestValidator(MAX_REQUEST_BYTES), null, NO_DISK, 64, 64L << 20, () -> false, errors,
                            registry);
                    ctx.pipeline().addAfter(ctx.name(), "request-decoder",
                            new NbdRequestDecoder(MAX_REQUEST_BYTES, errors, transmission::admitsRequests, pool,
                                    () -> payloadsKept));
                    ctx.pipeline().addAfter("request-decoder", "watcher", watcher);
                    ctx.pipeline().addAfter("watcher", "transmission", transmission);
                }, null);
        EmbeddedChannel channel = new EmbeddedChannel(false, false);
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast("handshake", handshake);
        channel.register();
        // An exception that reached the end of the pipeline (the handshake phase has no handler for it) is
        // rethrown here by EmbeddedChannel; in a real server it would leave the connection open and unserved.
        FuzzInputs.writeInChunks(channel, clientBytes, chunking);
        channel.finishAndReleaseAll();
        watcher.rethrow();
        if (alloc.unreleased() != 0) {
            throw new IllegalStateException(alloc.unreleased() + " buffers still referenced after the channel closed");
        }
        if (pool.inUseBytes() != 0) {
            throw new IllegalStateException(pool.inUseBytes() + " bytes of payload blocks still referenced");
        }
        pool.close();
        // Replies are small and the decoders keep at most the input: nothing may be sized by a client's claim.
        if (alloc.largestRequest() > 2L * clientBytes.length + 4096) {
            throw new IllegalStateException("allocated " + alloc.largestRequest() + " bytes for " + clientBytes.length
                    + " client bytes");
        }
        Map<String, Double> counted = new java.util.TreeMap<>();
        for (Counter c : registry.find(ProtocolErrors.METRIC).counters()) {
            counted.merge(c.getId().getTag("reason"), c.count(), Double::sum);
        }
        // What the transmission handler's exceptionCaught made of an exception thrown inside it.
        if (counted.containsKey("connection_error")) {
            throw new IllegalStateException("an exception closed the connection: " + counted);
        }
        return counted;
    }

    /**
     * Sits between the request decoder and the transmission handler, which turns any exception into a
     * connection_error close: here an exception is a finding, so it is kept and rethrown with its stack.
     */
    private static final class Watcher extends ChannelInboundHandlerAdapter {
        private Throwable caught;

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            caught = caught == null ? cause : caught;
            ctx.fireExceptionCaught(cause);
        }

        void rethrow() throws Exception {
            if (caught instanceof Exception e) {
                throw e;
            }
            if (caught instanceof Error e) {
                throw e;
            }
        }
    }
}
