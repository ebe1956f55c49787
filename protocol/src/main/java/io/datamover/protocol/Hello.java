package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * First frame of a connection, from the connecting side: who it is, which replication pair and
 * consistency group it serves, which disks it will send, and what it can speak.
 *
 * <p>Layout: protocolMin u16, protocolMax u16, features u64, role u8, senderId (string),
 * pairId (string), cgId u32, cgName (string), diskCount u16, then diskCount {@link DiskInfo}s; from protocol
 * revision {@link Wire#PROTOCOL_GENERATIONS} on (when {@code protocolMax} reaches it), the sender's
 * {@link GenerationHistory} and {@code lastSeq} u64; from revision {@link Wire#PROTOCOL_EPOCHS} on, {@code epoch} u64.
 * A string is a u16 byte length then UTF-8 bytes.
 *
 * @param generations the sender's history of the group ({@link GenerationHistory#NONE} from a tap)
 * @param lastSeq the highest seq the sender holds for the group (a source gateway: its journal's; a tap: 0)
 * @param epoch the sender's epoch of the group in its site's gateway group (0: not coordinated); a receiver refuses
 *     one below the highest it has admitted ({@link ErrorCode#STALE_EPOCH})
 */
public record Hello(int protocolMin, int protocolMax, long features, Role role, String senderId, String pairId,
        int cgId, String cgName, List<DiskInfo> disks, GenerationHistory generations, long lastSeq, long epoch)
        implements Frame {

    /** Largest encoded body: every string at its maximum, {@link Wire#MAX_DISKS} disks with the longest names. */
    public static final int MAX_BODY_BYTES = 2 + 2 + 8 + 1 + (2 + Wire.MAX_ID_BYTES) * 2 + 4 + (2 + Wire.MAX_NAME_BYTES)
            + 2 + Wire.MAX_DISKS * (4 + 2 + Wire.MAX_ID_BYTES + 8 + 4) + GenerationHistory.MAX_WIRE_BYTES + 8 + 8;

    /** A HELLO that carries no generation: a tap's, or one of a revision before generations. */
    public Hello(int protocolMin, int protocolMax, long features, Role role, String senderId, String pairId, int cgId,
            String cgName, List<DiskInfo> disks) {
        this(protocolMin, protocolMax, features, role, senderId, pairId, cgId, cgName, disks, GenerationHistory.NONE,
                0);
    }

    /** A HELLO under no epoch (not coordinated). */
    public Hello(int protocolMin, int protocolMax, long features, Role role, String senderId, String pairId, int cgId,
            String cgName, List<DiskInfo> disks, GenerationHistory generations, long lastSeq) {
        this(protocolMin, protocolMax, features, role, senderId, pairId, cgId, cgName, disks, generations, lastSeq, 0);
    }

    public Hello {
        if (protocolMin < 1 || protocolMax < protocolMin || protocolMax > 0xFFFF) {
            throw new IllegalArgumentException("bad protocol range [" + protocolMin + ", " + protocolMax + "]");
        }
        if (role == null) {
            throw new IllegalArgumentException("role is required");
        }
        Names.requireId("senderId", senderId);
        Names.requireId("pairId", pairId);
        Names.requireName("cgName", cgName, Wire.MAX_NAME_BYTES);
        disks = List.copyOf(disks);
        if (disks.isEmpty()) {
            // Nothing to replicate: a group without disks would be saved and then refused by the target forever.
            throw new IllegalArgumentException("a HELLO must declare at least one disk");
        }
        if (disks.size() > Wire.MAX_DISKS) {
            throw new IllegalArgumentException(disks.size() + " disks, the limit is " + Wire.MAX_DISKS);
        }
        Set<Integer> ids = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (DiskInfo d : disks) {
            if (!ids.add(d.id()) || !names.add(d.name())) {
                throw new IllegalArgumentException("disk id " + d.id() + " or name " + d.name() + " declared twice");
            }
        }
        if (generations == null) {
            throw new IllegalArgumentException("generations is required (GenerationHistory.NONE for none)");
        }
        if (lastSeq < 0) {
            throw new IllegalArgumentException("lastSeq must not be negative");
        }
        if (!carriesGenerations(protocolMax) && (!generations.isNone() || lastSeq != 0)) {
            throw new IllegalArgumentException("protocol " + protocolMax + " has no generations");
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must not be negative");
        }
        if (!carriesEpoch(protocolMax) && epoch != 0) {
            throw new IllegalArgumentException("protocol " + protocolMax + " has no epoch");
        }
    }

    /** True when a frame of this (highest) revision carries the epoch. */
    static boolean carriesEpoch(int protocol) {
        return protocol >= Wire.PROTOCOL_EPOCHS;
    }

    /** True when a frame of this (highest) revision carries generations. */
    static boolean carriesGenerations(int protocol) {
        return protocol >= Wire.PROTOCOL_GENERATIONS;
    }

    /** This HELLO carrying {@code history} and {@code seq}: what a source gateway sends. */
    public Hello withGenerations(GenerationHistory history, long seq) {
        return new Hello(protocolMin, protocolMax, features, role, senderId, pairId, cgId, cgName, disks, history, seq,
                epoch);
    }

    /** This HELLO sent under {@code groupEpoch}: what a source gateway leading the group sends. */
    public Hello withEpoch(long groupEpoch) {
        return new Hello(protocolMin, protocolMax, features, role, senderId, pairId, cgId, cgName, disks, generations,
                lastSeq, groupEpoch);
    }

    /** This HELLO declaring {@code grownDisks} instead: what a tap sends once its disks grew while it ran. */
    public Hello withDisks(List<DiskInfo> grownDisks) {
        return new Hello(protocolMin, protocolMax, features, role, senderId, pairId, cgId, cgName, grownDisks,
                generations, lastSeq, epoch);
    }

    /** This HELLO with {@code request} set in its feature word, when {@code asked}; else this HELLO. */
    public Hello requesting(Feature request, boolean asked) {
        if (!asked) {
            return this;
        }
        return new Hello(protocolMin, protocolMax, features | request.mask(), role, senderId, pairId, cgId, cgName,
                disks, generations, lastSeq);
    }

    /** A hello offering every revision and feature this build has. */
    public static Hello of(Role role, String senderId, String pairId, int cgId, String cgName, List<DiskInfo> disks) {
        return new Hello(Wire.PROTOCOL_MIN, Wire.PROTOCOL_MAX, Feature.all(), role, senderId, pairId, cgId, cgName,
                disks);
    }

    @Override
    public FrameType type() {
        return FrameType.HELLO;
    }

    /** The declared disk with this id, or null. */
    public DiskInfo disk(int id) {
        for (DiskInfo d : disks) {
            if (d.id() == id) {
                return d;
            }
        }
        return null;
    }

    void writeBody(ByteBuf out) {
        out.writeShort(protocolMin);
        out.writeShort(protocolMax);
        out.writeLong(features);
        out.writeByte(role.code());
        FieldWriter.string(out, senderId);
        FieldWriter.string(out, pairId);
        out.writeInt(cgId);
        FieldWriter.string(out, cgName);
        out.writeShort(disks.size());
        for (DiskInfo d : disks) {
            out.writeInt(d.id());
            FieldWriter.string(out, d.name());
            out.writeLong(d.sizeBytes());
            out.writeInt(d.blockSizeBytes());
        }
        if (carriesGenerations(protocolMax)) {
            generations.write(out);
            out.writeLong(lastSeq);
        }
        if (carriesEpoch(protocolMax)) {
            out.writeLong(epoch);
        }
    }

    static Hello readBody(FieldReader r) throws ProtocolException {
        int min = r.u16("protocolMin");
        int max = r.u16("protocolMax");
        long features = r.u64("features");
        int roleCode = r.u8("role");
        Role role = Role.fromCode(roleCode);
        if (role == null) {
            throw r.malformed("unknown role " + roleCode);
        }
        String senderId = r.string("senderId", Wire.MAX_ID_BYTES, false);
        String pairId = r.string("pairId", Wire.MAX_ID_BYTES, false);
        int cgId = r.bits32("cgId");
        String cgName = r.string("cgName", Wire.MAX_NAME_BYTES, false);
        int diskCount = r.u16("diskCount");
        if (diskCount > Wire.MAX_DISKS) {
            throw r.malformed(diskCount + " disks, the limit is " + Wire.MAX_DISKS);
        }
        List<DiskInfo> disks = new ArrayList<>(diskCount);
        for (int i = 0; i < diskCount; i++) {
            int id = r.bits32("disk id");
            String name = r.string("disk name", Wire.MAX_ID_BYTES, false);
            long size = r.positiveU64("disk size");
            int blockSize = r.u32AsInt("disk block size");
            disks.add(new DiskInfo(id, name, size, blockSize));
        }
        GenerationHistory generations = GenerationHistory.NONE;
        long lastSeq = 0;
        if (carriesGenerations(max)) {
            generations = GenerationHistory.read(r);
            lastSeq = r.positiveU64("lastSeq");
        }
        long epoch = carriesEpoch(max) ? r.positiveU64("epoch") : 0;
        return new Hello(min, max, features, role, senderId, pairId, cgId, cgName, disks, generations, lastSeq, epoch);
    }
}
