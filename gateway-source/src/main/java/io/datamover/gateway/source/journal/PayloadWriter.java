package io.datamover.gateway.source.journal;

import io.datamover.disk.MappedMemory;
import io.datamover.disk.SparseFile;
import io.netty.buffer.ByteBuf;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.function.Supplier;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.MappedBytesStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts an entry's payload into the cycle file with pwrite, at the entry's file offset, instead of copying it
 * through Chronicle's mapping; and turns the kernel's read-around off in the part of the mapped chunk the
 * appender has yet to write. Owner thread only.
 *
 * <p>Why: the first store into a page of Chronicle's sparse mapped file faults, and the kernel reads around the
 * fault (up to the device's read-ahead, 8 MiB on our disk) into large folios, zero-filling them. A store into
 * such a folio dirties all of it, so every fdatasync wrote back up to a couple of MiB not yet appended (2.7x the
 * appended bytes), and the owner thread spent its time zero-filling. With the payload written by pwrite (which
 * fills whole pages without reading them) and MADV_RANDOM on the rest of the chunk (Chronicle's own small
 * stores fault one page at a time), a sync writes back what was appended (1.01x). The page cache is shared
 * with the mapping, so Chronicle and its tailers see the same bytes; the payload is written before Chronicle
 * completes the entry's header, so no tailer sees the entry before its payload.
 */
final class PayloadWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PayloadWriter.class);

    private final CycleFileHandle file = new CycleFileHandle();
    private final AheadAllocation aheadAllocation = new AheadAllocation();
    private final WriteBehind writeBehind = new WriteBehind();
    private BytesStore<?, ?> advisedChunk;
    private boolean adviceFailureLogged;

    /**
     * Allocates the blocks of the entry about to be written at {@code [entryStart, entryEnd)} of the file of
     * {@code currentCycle} (and ahead of it), before anything of it is written: see {@link AheadAllocation}.
     *
     * @throws IOException ENOSPC when the disk has no room for it; nothing was written
     */
    void reserve(long entryStart, long entryEnd, int currentCycle, Supplier<File> currentFile) throws IOException {
        int left = aheadAllocation.cycle();
        if (left != currentCycle && file.holds(left)) {
            aheadAllocation.leave(file.file(left, currentFile)); // still the file of the cycle left behind
        }
        aheadAllocation.ensure(file.file(currentCycle, currentFile), currentCycle, entryStart, entryEnd);
    }

    /**
     * Writes {@code payload} (not consumed) at {@code entry}'s write position (Chronicle positions its mapped
     * bytes by file offset) in the file of {@code currentCycle}, then moves the entry past it. The entry (its
     * Chronicle header) starts at {@code entryStart}; its blocks are {@linkplain #reserve reserved}.
     */
    void write(Bytes<?> entry, long entryStart, ByteBuf payload, int currentCycle, Supplier<File> currentFile)
            throws IOException {
        adviseChunk(entry);
        SparseFile cycleFile = file.file(currentCycle, currentFile);
        long offset = entry.writePosition();
        int length = payload.readableBytes();
        writeBehind.entryStarting(cycleFile, currentCycle, entryStart);
        FileChannel channel = cycleFile.channel();
        try {
            for (ByteBuffer chunk : payload.nioBuffers(payload.readerIndex(), length)) {
                while (chunk.hasRemaining()) {
                    offset += channel.write(chunk, offset);
                }
            }
        } catch (IOException e) {
            throw new IOException("cannot write to the journal file " + file.file() + ": " + e.getMessage(), e);
        }
        entry.writeSkip(length);
    }

    /** MADV_RANDOM from the write position to the end of the chunk's mapping, once per chunk. */
    private void adviseChunk(Bytes<?> entry) {
        BytesStore<?, ?> store = entry.bytesStore();
        if (store == advisedChunk) {
            return;
        }
        advisedChunk = store;
        if (!(store instanceof MappedBytesStore chunk)) {
            return;
        }
        long mappingEnd = chunk.addressForRead(chunk.start()) + (chunk.capacity() - chunk.start());
        long from = alignUp(chunk.addressForWrite(entry.writePosition()));
        if (from >= mappingEnd) {
            return;
        }
        try {
            MappedMemory.adviseRandomAccess(from, mappingEnd - from);
        } catch (IOException e) {
            if (!adviceFailureLogged) { // only advice: appends stay correct, syncs write back more
                adviceFailureLogged = true;
                log.warn("journal: cannot turn read-around off in the mapped cycle file: {}", e.getMessage());
            }
        }
    }

    private static long alignUp(long address) {
        return (address + MappedMemory.PAGE_BYTES - 1) & -MappedMemory.PAGE_BYTES;
    }

    @Override
    public void close() {
        file.close();
    }
}
