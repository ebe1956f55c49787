package io.datamover.applier;

import io.datamover.applier.ReplicaSetException.Reason;
import io.datamover.disk.DurableFiles;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.GenerationHistory;
import io.datamover.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The on-disk form of {@link ReplicaMetadata}: one small file per replica directory, replaced atomically
 * ({@link DurableFiles#replace}) so a crash leaves either the old or the new stamp.
 *
 * <p>Layout, big-endian: magic u32 "DMRS", version u16, reserved u16 (0), length u32 (whole file),
 * pairId (u16 length + UTF-8), cgId u32, diskCount u16, diskCount times (id u32, name (u16 + UTF-8),
 * sizeBytes u64, blockSizeBytes u32, state u8 ({@link ReplicaState} code)), appliedSeq u64, the generation history
 * in its wire form ({@link GenerationHistory#writeTo}), then CRC32C u32 of every byte before it.
 *
 * <p>Version 2 added the per-disk state (version 1 was never released: it is refused, not migrated). Version 3 added
 * the generation history; a version 2 stamp is read as one with no generation yet (the next source adopts its own,
 * if it holds what the replicas hold), and written back as version 3.
 */
final class ReplicaMetadataFile {
    static final String FILE_NAME = "replica-set.meta";
    static final int MAGIC = 0x444D5253; // "DMRS"
    static final int VERSION = 3;
    /** The version before generations, still read. */
    static final int VERSION_WITHOUT_GENERATIONS = 2;
    private static final int HEADER_BYTES = 4 + 2 + 2 + 4;
    /** Far above 256 disks with 255-byte names; a larger file is not ours. */
    private static final int MAX_FILE_BYTES = 256 * 1024;

    private ReplicaMetadataFile() {}

    static Path path(Path directory) {
        return directory.resolve(FILE_NAME);
    }

    /** The stamp of {@code directory}, or empty when it has none yet. */
    static Optional<ReplicaMetadata> read(Path directory) throws IOException {
        Path file = path(directory);
        byte[] bytes;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > MAX_FILE_BYTES) {
                throw new ReplicaSetException(Reason.CORRUPT_METADATA, file + " has " + size
                        + " bytes, more than a replica stamp can hold (" + MAX_FILE_BYTES + ")");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // read until full or EOF
            }
            bytes = buf.array();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(decode(file, bytes));
    }

    /** Replaces the stamp of {@code directory} with {@code metadata}, durably. */
    static void write(Path directory, ReplicaMetadata metadata) throws IOException {
        DurableFiles.replace(path(directory), ByteBuffer.wrap(encode(metadata)));
    }

    static byte[] encode(ReplicaMetadata m) {
        byte[] pair = m.pairId().getBytes(StandardCharsets.UTF_8);
        List<byte[]> names = new ArrayList<>(m.disks().size());
        int length = HEADER_BYTES + 2 + pair.length + 4 + 2 + 8 + m.generations().encodedLength() + 4;
        for (DiskInfo d : m.disks()) {
            byte[] name = d.name().getBytes(StandardCharsets.UTF_8);
            names.add(name);
            length += 4 + 2 + name.length + 8 + 4 + 1;
        }
        ByteBuffer out = ByteBuffer.allocate(length);
        out.putInt(MAGIC).putShort((short) VERSION).putShort((short) 0).putInt(length);
        out.putShort((short) pair.length).put(pair);
        out.putInt(m.cgId());
        out.putShort((short) m.disks().size());
        for (int i = 0; i < m.disks().size(); i++) {
            DiskInfo d = m.disks().get(i);
            out.putInt(d.id()).putShort((short) names.get(i).length).put(names.get(i));
            out.putLong(d.sizeBytes()).putInt(d.blockSizeBytes());
            out.put((byte) m.states().get(i).code());
        }
        out.putLong(m.appliedSeq());
        ByteBuf history = Unpooled.wrappedBuffer(out.array(), out.position(), m.generations().encodedLength());
        history.writerIndex(0);
        m.generations().writeTo(history);
        out.position(out.position() + history.writerIndex());
        out.putInt(crc(out.array(), out.position()));
        return out.array();
    }

    static ReplicaMetadata decode(Path file, byte[] bytes) throws ReplicaSetException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            if (bytes.length < HEADER_BYTES + 4 || in.getInt() != MAGIC) {
                throw corrupt(file, "no replica stamp magic");
            }
            int version = Short.toUnsignedInt(in.getShort());
            if (version != VERSION && version != VERSION_WITHOUT_GENERATIONS) {
                throw new ReplicaSetException(Reason.UNSUPPORTED_VERSION, file + " has format version " + version
                        + ", this build reads versions " + VERSION_WITHOUT_GENERATIONS + " and " + VERSION);
            }
            in.getShort();
            int length = in.getInt();
            if (length != bytes.length) {
                throw corrupt(file, "declares " + length + " bytes but has " + bytes.length + " (torn write?)");
            }
            int stored = ByteBuffer.wrap(bytes, length - 4, 4).getInt();
            int actual = crc(bytes, length - 4);
            if (stored != actual) {
                throw corrupt(file, "CRC32C " + Integer.toHexString(actual) + " != stored " + Integer.toHexString(stored));
            }
            String pairId = string(in);
            int cgId = in.getInt();
            int diskCount = Short.toUnsignedInt(in.getShort());
            List<DiskInfo> disks = new ArrayList<>(diskCount);
            List<ReplicaState> states = new ArrayList<>(diskCount);
            for (int i = 0; i < diskCount; i++) {
                disks.add(new DiskInfo(in.getInt(), string(in), in.getLong(), in.getInt()));
                int code = Byte.toUnsignedInt(in.get());
                ReplicaState state = ReplicaState.fromCode(code);
                if (state == null) {
                    throw corrupt(file, "disk " + disks.get(i).name() + " has unknown replica state " + code);
                }
                states.add(state);
            }
            long appliedSeq = in.getLong();
            GenerationHistory generations = GenerationHistory.NONE;
            if (version == VERSION) {
                ByteBuf history = Unpooled.wrappedBuffer(bytes, in.position(), length - 4 - in.position());
                generations = GenerationHistory.readFrom(history);
                in.position(in.position() + history.readerIndex());
            }
            if (in.position() != length - 4) {
                throw corrupt(file, "fields end at byte " + in.position() + ", the CRC is at " + (length - 4));
            }
            return new ReplicaMetadata(pairId, cgId, disks, states, appliedSeq, generations);
        } catch (ProtocolException e) {
            throw corrupt(file, "generation history: " + e.getMessage());
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new ReplicaSetException(Reason.CORRUPT_METADATA, file + " is not a valid replica stamp: " + e, e);
        }
    }

    private static String string(ByteBuffer in) {
        byte[] b = new byte[Short.toUnsignedInt(in.getShort())];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static int crc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }

    private static ReplicaSetException corrupt(Path file, String why) {
        return new ReplicaSetException(Reason.CORRUPT_METADATA, file + ": " + why);
    }
}
