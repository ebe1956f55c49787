package io.datamover.tap.nbd;

import io.datamover.disk.DiskIOException;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.RecordKind;
import io.datamover.tap.export.Export;
import io.datamover.tap.replication.ConsistencyGroup;
import io.datamover.tap.replication.WriteAdmission;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out one validated request on an I/O thread (never on the event loop) and produces its reply.
 *
 * <p>Write path (WRITE, TRIM, WRITE_ZEROES), in this order: seq from the consistency group, regions marked dirty
 * durably, local disk written (fdatasync first if FUA), reply, then the record goes to the sink in seq order. A
 * TRIM or WRITE_ZEROES longer than a record can carry goes through that path once per range (see {@link #write}).
 */
final class RequestProcessor implements NbdRequestHandler {

    private static final Logger LOG = LoggerFactory.getLogger(RequestProcessor.class);
    /** Descriptors per BLOCK_STATUS reply: clients ask again from where the reply stopped. */
    private static final int MAX_EXTENTS = 256;
    /** The longest range one ZERO or TRIM record carries (a record's length is at most 2^31 - 1). */
    private static final int MAX_RANGE_RECORD_BYTES = 1 << 30;

    private final ConsistencyGroup group;
    private final ByteBufAllocator alloc;
    private final MeterRegistry registry;

    RequestProcessor(ConsistencyGroup group, ByteBufAllocator alloc, MeterRegistry registry) {
        this.group = group;
        this.alloc = alloc;
        this.registry = registry;
    }

    @Override
    public void process(NbdRequest request, NbdSession session, Consumer<ByteBuf> reply) {
        try {
            switch (request.type) {
                case Nbd.CMD_READ -> reply.accept(read(request, session));
                case Nbd.CMD_WRITE -> write(request, session, RecordKind.DATA, reply);
                case Nbd.CMD_TRIM -> write(request, session, RecordKind.TRIM, reply);
                case Nbd.CMD_WRITE_ZEROES -> write(request, session, RecordKind.ZERO, reply);
                case Nbd.CMD_FLUSH -> reply.accept(flush(request, session));
                case Nbd.CMD_BLOCK_STATUS -> reply.accept(blockStatus(request, session));
                default -> throw new IllegalStateException("unvalidated command " + request.type);
            }
        } finally {
            request.release();
        }
    }

    private ByteBuf read(NbdRequest request, NbdSession session) {
        try {
            return NbdReplies.read(alloc, session.structuredReplies(), request.cookie, request.offset,
                    (int) request.length, session.export()::read);
        } catch (IOException | RuntimeException e) {
            return failed(request, session, e);
        }
    }

    /**
     * A TRIM or WRITE_ZEROES may cover up to 4 GiB - 1, more than one record can carry (its length is a positive
     * int on the wire): it is written and streamed as ranges of at most {@link #MAX_RANGE_RECORD_BYTES}, each
     * ordered like any write. The guest's reply comes with the last range, or with the first that fails.
     */
    private void write(NbdRequest request, NbdSession session, RecordKind kind, Consumer<ByteBuf> reply) {
        WriteAdmission admission = group.admission();
        try {
            admission.enter(); // a migration's hold makes it wait here, before it takes a seq
        } catch (WriteAdmission.MovedException e) {
            reply.accept(refusedMoved(request, session, e));
            return;
        }
        try {
            long offset = request.offset;
            long end = offset + request.length;
            while (end - offset > MAX_RANGE_RECORD_BYTES) {
                if (!writeRange(request, session, kind, offset, MAX_RANGE_RECORD_BYTES, false, reply)) {
                    return;
                }
                offset += MAX_RANGE_RECORD_BYTES;
            }
            writeRange(request, session, kind, offset, (int) (end - offset), true, reply);
        } finally {
            admission.exit();
        }
    }

    /** A write after a migration moved the disks: EPERM, with where they live now; logged and counted. */
    private ByteBuf refusedMoved(NbdRequest request, NbdSession session, WriteAdmission.MovedException e) {
        registry.counter("datamover.tap.writes.refused.moved").increment();
        LOG.warn("{} on {} refused: {}", request, session.export(), e.getMessage());
        return NbdReplies.error(alloc, session.structuredReplies(), request.cookie, Nbd.EPERM, e.getMessage());
    }

    /**
     * Orders, writes and completes {@code [offset, offset + length)} of {@code request}; replies if this is the
     * request's {@code last} range or if it failed.
     *
     * @return whether the range was written
     */
    private boolean writeRange(NbdRequest request, NbdSession session, RecordKind kind, long offset, int length,
            boolean last, Consumer<ByteBuf> reply) {
        Export export = session.export();
        boolean fua = request.hasFlag(Nbd.CMD_FLAG_FUA);
        ConsistencyGroup.OrderedWrite write = group.begin(export.index(), kind, offset, length, fua);
        boolean succeeded = false;
        ByteBuf response = null;
        try {
            write.markDirty();
            CrashPoint.reached(CrashPoint.Point.TAP_DIRTY_MARKED);
            switch (kind) {
                case DATA -> export.write(request.payload(), offset);
                case ZERO -> export.zero(offset, length, !request.hasFlag(Nbd.CMD_FLAG_NO_HOLE));
                case TRIM -> export.zero(offset, length, true);
            }
            if (fua && last) {
                export.flush(); // one flush covers the earlier ranges too
            }
            CrashPoint.reached(CrashPoint.Point.TAP_LOCAL_WRITE_DONE);
            succeeded = true;
            response = last ? NbdReplies.simple(alloc, request.cookie, 0) : null;
        } catch (IOException | RuntimeException e) {
            response = failed(request, session, e);
        } finally {
            try {
                if (response != null) {
                    reply.accept(response);
                }
            } finally {
                if (kind.hasPayload()) {
                    write.complete(succeeded, request.takePayload(), request.payloadCrc());
                } else {
                    write.complete(succeeded, Unpooled.EMPTY_BUFFER);
                }
            }
        }
        return succeeded;
    }

    private ByteBuf flush(NbdRequest request, NbdSession session) {
        try {
            session.export().flush();
            return NbdReplies.simple(alloc, request.cookie, 0);
        } catch (IOException | RuntimeException e) {
            return failed(request, session, e);
        }
    }

    private ByteBuf blockStatus(NbdRequest request, NbdSession session) {
        int capacity = request.hasFlag(Nbd.CMD_FLAG_REQ_ONE) ? 1 : MAX_EXTENTS;
        long[] lengths = new long[capacity];
        boolean[] holes = new boolean[capacity];
        try {
            int count = session.export().allocation(request.offset, request.length, lengths, holes);
            int[] flags = new int[count];
            for (int i = 0; i < count; i++) {
                flags[i] = holes[i] ? Nbd.STATE_HOLE | Nbd.STATE_ZERO : 0;
            }
            return NbdReplies.blockStatus(alloc, request.cookie, Nbd.BASE_ALLOCATION_ID, lengths, flags, count);
        } catch (IOException | RuntimeException e) {
            return failed(request, session, e);
        }
    }

    /** Logs and counts a failed request and builds its error reply: ENOSPC when the disk is full, else EIO. */
    private ByteBuf failed(NbdRequest request, NbdSession session, Exception e) {
        boolean full = e instanceof DiskIOException disk && disk.isOutOfSpace()
                || e instanceof IOException && String.valueOf(e.getMessage()).contains("No space left");
        int error = full ? Nbd.ENOSPC : Nbd.EIO;
        registry.counter("datamover.tap.io.errors", "command", Nbd.commandName(request.type)).increment();
        LOG.error("{} on {} failed", request, session.export(), e);
        return NbdReplies.error(alloc, session.structuredReplies(), request.cookie, error,
                Nbd.commandName(request.type) + " failed: " + e.getMessage());
    }
}
