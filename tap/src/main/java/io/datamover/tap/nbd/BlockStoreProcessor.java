package io.datamover.tap.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out one connection's requests on a {@link BlockStore}: reads and writes go to the store, TRIM and
 * WRITE_ZEROES write zeros, FLUSH has nothing to make durable (the store keeps nothing across a restart), and
 * BLOCK_STATUS describes everything as data.
 */
final class BlockStoreProcessor implements NbdRequestHandler {
    private static final Logger LOG = LoggerFactory.getLogger(BlockStoreProcessor.class);
    private static final int ZERO_CHUNK_BYTES = 1 << 20;

    private final BlockStore store;
    private final ByteBufAllocator alloc;
    private final MeterRegistry registry;

    BlockStoreProcessor(BlockStore store, ByteBufAllocator alloc, MeterRegistry registry) {
        this.store = store;
        this.alloc = alloc;
        this.registry = registry;
    }

    @Override
    public void process(NbdRequest request, NbdSession session, Consumer<ByteBuf> reply) {
        String export = session.export().name();
        try {
            switch (request.type) {
                case Nbd.CMD_READ -> reply.accept(read(request, session, export));
                case Nbd.CMD_WRITE -> {
                    ByteBuf payload = request.payload();
                    long at = request.offset;
                    for (ByteBuffer part : payload.nioBuffers(payload.readerIndex(), payload.readableBytes())) {
                        int n = part.remaining();
                        store.write(export, part, at);
                        at += n;
                    }
                    reply.accept(NbdReplies.simple(alloc, request.cookie, 0));
                }
                case Nbd.CMD_TRIM, Nbd.CMD_WRITE_ZEROES -> {
                    for (long at = request.offset; at < request.offset + request.length; at += ZERO_CHUNK_BYTES) {
                        int n = (int) Math.min(ZERO_CHUNK_BYTES, request.offset + request.length - at);
                        store.write(export, ByteBuffer.allocate(n), at);
                    }
                    reply.accept(NbdReplies.simple(alloc, request.cookie, 0));
                }
                case Nbd.CMD_FLUSH -> reply.accept(NbdReplies.simple(alloc, request.cookie, 0));
                case Nbd.CMD_BLOCK_STATUS -> reply.accept(NbdReplies.blockStatus(alloc, request.cookie,
                        Nbd.BASE_ALLOCATION_ID, new long[] {request.length}, new int[] {0}, 1));
                default -> throw new IllegalStateException("unvalidated command " + request.type);
            }
        } catch (IOException | RuntimeException e) {
            reply.accept(failed(request, session, e));
        } finally {
            request.release();
        }
    }

    private ByteBuf read(NbdRequest request, NbdSession session, String export) throws IOException {
        return NbdReplies.read(alloc, session.structuredReplies(), request.cookie, request.offset,
                (int) request.length, (dst, offset) -> store.read(export, dst, offset));
    }

    private ByteBuf failed(NbdRequest request, NbdSession session, Exception e) {
        int error = String.valueOf(e.getMessage()).startsWith("No space left") ? Nbd.ENOSPC : Nbd.EIO;
        registry.counter("datamover.view.io.errors", "command", Nbd.commandName(request.type)).increment();
        LOG.warn("{} on view disk {} failed: {}", request, session.export().name(), e.getMessage());
        return NbdReplies.error(alloc, session.structuredReplies(), request.cookie, error,
                Nbd.commandName(request.type) + " failed: " + e.getMessage());
    }
}
