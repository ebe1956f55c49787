package io.datamover.protocol;

import io.netty.buffer.ByteBuf;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Which history of a pair one side holds for a consistency group, as DRBD's generation identifiers: the current
 * generation (a random 64-bit id, never 0) and the generations before it, newest first, each with the seq it ended
 * at. Two sides whose histories share a generation can tell which one holds what the other lacks; see
 * {@link GenerationCheck} and docs/protocol.md, "Generations". {@link #NONE} is a side with no generation yet (a new
 * replica, or one written by a build without generations).
 *
 * <p>Wire form (the end of HELLO and HELLO_ACK): current u64, earlierCount u8 (at most {@link #MAX_EARLIER}), then
 * per earlier generation, newest first: id u64, endSeq u64, flags u8 (bit 0: the next generation discards the
 * replica).
 */
public record GenerationHistory(long current, List<EndedGeneration> earlier) {
    public static final long NO_GENERATION = 0;
    /** Earlier generations kept; older ones are forgotten (a replica that far behind is refused, see the docs). */
    public static final int MAX_EARLIER = 32;
    /** Largest encoded history. */
    public static final int MAX_WIRE_BYTES = 8 + 1 + MAX_EARLIER * EndedGeneration.WIRE_BYTES;
    public static final GenerationHistory NONE = new GenerationHistory(NO_GENERATION, List.of());

    private static final SecureRandom RANDOM = new SecureRandom();

    public GenerationHistory {
        earlier = List.copyOf(earlier);
        if (earlier.size() > MAX_EARLIER) {
            throw new IllegalArgumentException(earlier.size() + " earlier generations, the limit is " + MAX_EARLIER);
        }
        if (current == NO_GENERATION && !earlier.isEmpty()) {
            throw new IllegalArgumentException("a history without a current generation has no earlier ones");
        }
        for (EndedGeneration e : earlier) {
            if (e.id() == current) {
                throw new IllegalArgumentException("generation " + hex(current) + " is both current and earlier");
            }
        }
    }

    /** A first generation with a fresh random id. */
    public static GenerationHistory first() {
        return new GenerationHistory(newId(NO_GENERATION), List.of());
    }

    public boolean isNone() {
        return current == NO_GENERATION;
    }

    /**
     * A new current generation with a fresh random id; the current one ends at {@code endSeq}. The oldest earlier
     * generation is forgotten when the list is full.
     *
     * @param discardsReplica the new generation is started by {@code resync --discard replica}
     */
    public GenerationHistory next(long endSeq, boolean discardsReplica) {
        if (isNone()) {
            throw new IllegalStateException("no current generation to end");
        }
        long id;
        do {
            id = newId(current);
        } while (contains(id));
        return next(endSeq, discardsReplica, id);
    }

    /**
     * As {@link #next(long, boolean)} with the new generation's id chosen beforehand ({@link #newGenerationId}): a
     * failover records it durably before it acts, so a rerun starts the same generation. From {@link #NONE}, a first
     * generation.
     */
    public GenerationHistory next(long endSeq, boolean discardsReplica, long id) {
        if (contains(id) || id == NO_GENERATION) {
            throw new IllegalArgumentException("generation " + hex(id) + " is not new to " + this);
        }
        if (isNone()) {
            return new GenerationHistory(id, List.of());
        }
        List<EndedGeneration> list = new ArrayList<>(MAX_EARLIER);
        list.add(new EndedGeneration(current, endSeq, discardsReplica));
        for (EndedGeneration e : earlier) {
            if (list.size() == MAX_EARLIER) {
                break;
            }
            list.add(e);
        }
        return new GenerationHistory(id, list);
    }

    /** A fresh random generation id, never {@link #NO_GENERATION}. */
    public static long newGenerationId() {
        return newId(NO_GENERATION);
    }

    /** The index in {@link #earlier()} of generation {@code id}, or -1. */
    public int indexOfEarlier(long id) {
        for (int i = 0; i < earlier.size(); i++) {
            if (earlier.get(i).id() == id) {
                return i;
            }
        }
        return -1;
    }

    /** True when {@code id} is the current or an earlier generation of this history. */
    public boolean contains(long id) {
        return id != NO_GENERATION && (id == current || indexOfEarlier(id) >= 0);
    }

    public static String hex(long id) {
        return String.format("%016x", id);
    }

    @Override
    public String toString() {
        if (isNone()) {
            return "no generation";
        }
        return "generation " + hex(current) + (earlier.isEmpty() ? "" : " after "
                + earlier.stream().map(EndedGeneration::toString).collect(Collectors.joining(", ")));
    }

    private static long newId(long avoid) {
        long id;
        do {
            id = RANDOM.nextLong();
        } while (id == NO_GENERATION || id == avoid);
        return id;
    }

    /** Bytes of the wire form. */
    public int encodedLength() {
        return 8 + 1 + earlier.size() * EndedGeneration.WIRE_BYTES;
    }

    /** The wire form alone, for the files that keep a history (a source group's, a replica set's stamp). */
    public void writeTo(ByteBuf out) {
        write(out);
    }

    /** Reads what {@link #writeTo} wrote, bounded and checked as on the wire. */
    public static GenerationHistory readFrom(ByteBuf in) throws ProtocolException {
        return read(new FieldReader(in, FrameType.HELLO));
    }

    void write(ByteBuf out) {
        out.writeLong(current);
        out.writeByte(earlier.size());
        for (EndedGeneration e : earlier) {
            out.writeLong(e.id());
            out.writeLong(e.endSeq());
            out.writeByte(e.discardsReplica() ? EndedGeneration.FLAG_DISCARDS_REPLICA : 0);
        }
    }

    static GenerationHistory read(FieldReader r) throws ProtocolException {
        long current = r.u64("generation");
        int count = r.u8("earlier generation count");
        if (count > MAX_EARLIER) {
            throw r.malformed(count + " earlier generations, the limit is " + MAX_EARLIER);
        }
        List<EndedGeneration> earlier = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long id = r.u64("earlier generation");
            long endSeq = r.positiveU64("earlier generation end seq");
            int flags = r.u8("earlier generation flags");
            if ((flags & ~EndedGeneration.FLAG_DISCARDS_REPLICA) != 0) {
                throw r.malformed("earlier generation flags 0x" + Integer.toHexString(flags) + " has unknown bits");
            }
            if (id == NO_GENERATION) {
                throw r.malformed("earlier generation id 0");
            }
            earlier.add(new EndedGeneration(id, endSeq, flags != 0));
        }
        try {
            return new GenerationHistory(current, earlier);
        } catch (IllegalArgumentException e) {
            throw r.malformed(e.getMessage());
        }
    }
}
