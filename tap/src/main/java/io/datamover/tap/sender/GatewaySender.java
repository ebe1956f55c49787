package io.datamover.tap.sender;

import io.datamover.coordination.HighestEpoch;
import io.datamover.protocol.Ack;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.Feature;
import io.datamover.protocol.Flush;
import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameCodec;
import io.datamover.protocol.Heartbeat;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.VerifyAnswer;
import io.datamover.protocol.WriteRecord;
import io.datamover.protocol.netty.FlushCoalescer;
import io.datamover.protocol.netty.ReconnectingClient;
import io.datamover.tap.buffer.PayloadPool;
import io.datamover.tap.replication.ReplicationSink;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tap's client to the source gateway: streams write records, in seq order and without gaps, within a
 * bounded {@link InFlightWindow} of unacknowledged bytes, and never makes the guest wait. The window keeps every
 * record until the gateway acknowledges it DURABLE, so a connection lost for less than the outage grace is ridden
 * through: records offered meanwhile wait in the window, and after the reconnect everything beyond the gateway's
 * {@code resumeSeq} is sent again. The sender does not time the grace: it reports each lost connection to its
 * {@link StreamListener} (the tap's stream owner), which ends an outage that lasted too long
 * ({@link #outageGraceOver}). A record that cannot be kept (window full, never connected yet, out of seq)
 * is refused: the stream is broken there, the {@link StreamListener} is told (the tap's group goes to bitmap mode,
 * the one mode the tap has), and every later record is refused too, so the gateway never sees a gap; so does an
 * outage longer than the grace, or JOURNAL_FULL/STORAGE_FAILURE from the gateway. The tap keeps the dirty bits of
 * refused records. Only the resync makes the sender take records again ({@link #resumeForResync()}, or
 * {@link #resumeStreaming(long)} at a given seq): a handshake while refusing adopts the gateway's
 * {@code resumeSeq}, and the resync continues the stream gap-free from {@code resumeSeq + 1}.
 *
 * <p>Durable acks shrink the window and reach the {@link AckListener}, which clears dirty bits. On every
 * (re)connect the gateway's {@code resumeSeq} counts as a durable ack, so acks lost with a connection still
 * clear bits.
 *
 * <p>Threads: {@link #offer} from the tap's stream owner (one at a time, in seq order; from the completing thread
 * in a tap without one) and {@link #offerFlush} from any thread; frames are handed to the event loop, which only
 * moves bytes.
 */
public final class GatewaySender implements ReplicationSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewaySender.class);

    private final int cg;
    private final String gateway;
    private final AckListener acks;
    private final StreamListener stream;
    private final SenderMetrics metrics;
    private final InFlightWindow window;
    private final ReconnectingClient connector;
    private final long outageGraceMs;
    /** What each new connection opens with; its disks grow with the tap's ({@link #disksGrown}). */
    private volatile Hello hello;
    private final InstantSource clock;
    /** The operator has the group paused ({@link #reportPaused}): heartbeats say so. */
    private volatile boolean paused;
    /** The connection handshaken last agreed {@link Feature#TAP_PAUSE}. */
    private volatile boolean pauseAgreed;

    // Guarded by lock; volatile where read without it (status, gauges, heartbeats).
    private final Object lock = new Object();
    /**
     * Why records are refused until the resync re-bases the stream (it broke there); null while records are taken.
     * The tap's one mode is its consistency group's: this only keeps the gateway gap-free while the group learns.
     */
    private volatile BitmapReason refusal;
    /** Answers the gateway's online-verify requests once the tap runs ({@link #answerVerifyWith}); null before. */
    private volatile Function<Frame, CompletableFuture<VerifyAnswer>> verifyResponder;
    private volatile Channel streamChannel;
    private volatile long lastSentSeq;
    private volatile long durableSeq;
    /** Highest seq the gateway said its target applied (APPLIED_ACKS), 0 before any; monotonic in one seq space. */
    private volatile long appliedSeq;
    /** The handshaken connection agreed APPLIED_ACKS: the gateway forwards its target's applied seq. */
    private volatile boolean appliedAcks;
    /**
     * Every connection whose DURABLE acks this run trusted (since the last loss of acknowledged records) agreed
     * APPLIED_ACKS: the tap kept the bits of what the target had not applied, so a lost journal costs only those.
     */
    private boolean unappliedTracked;
    private long nextSeq;
    private long lastFlushSeq = -1;
    private boolean closed;
    /** Until the first offer or {@link #takeStartSeq()}, a handshake may move the start to the gateway's resume point. */
    private boolean startSeqOpen = true;
    /** Records offered before any handshake are refused; after one, an outage is ridden through in the window. */
    private boolean everConnected;
    /** Counts connections lost, so a grace timer knows whether its outage is still the current one. */
    private long outages;
    /**
     * The gateway (its HELLO_ACK's id) whose journal holds what this run saw acknowledged DURABLE; null before the
     * first handshake. Another gateway answering (a takeover in the site's gateway group) holds none of it.
     */
    private String durableAt;

    /** The highest epoch of a leading gateway this tap has seen for its group, persisted in its state directory. */
    private final HighestEpoch epochs;

    private GatewaySender(SenderConfig config, long nextSeq, AckListener acks, StreamListener stream,
            HighestEpoch epochs, MeterRegistry registry, InstantSource clock) {
        this.cg = config.cgId();
        this.epochs = epochs;
        this.gateway = config.gatewaysText();
        this.acks = acks;
        this.stream = stream;
        this.nextSeq = nextSeq;
        this.lastSentSeq = nextSeq - 1;
        this.window = new InFlightWindow(config.windowBytes());
        this.outageGraceMs = config.outageGraceMs();
        this.hello = config.hello();
        this.clock = clock;
        this.metrics = new SenderMetrics(registry, cg);
        this.metrics.gauges(window::bytesInUse, () -> durableSeq, () -> refusal == null ? 1 : 0,
                () -> streamChannel != null ? 1 : 0);
        this.metrics.epochGauge(epochs::highest);
        SessionEvents events = new Events();
        this.connector = GatewayConnector.create(config, metrics,
                () -> new GatewaySessionHandler(config, this::hello, events, metrics, clock));
    }

    /**
     * Starts connecting; taking records from {@code nextSeq}, the seq of the next record the tap will
     * offer. Records offered before the first handshake completes are refused (the stream breaks), and so is
     * streaming when the gateway's resume point is not {@code nextSeq - 1}. A gateway whose HELLO_ACK names an epoch
     * below the highest in {@code epochs} (a deposed leader) is refused with STALE_EPOCH, nothing sent to it.
     */
    public static GatewaySender start(SenderConfig config, long nextSeq, AckListener acks, StreamListener stream,
            HighestEpoch epochs, MeterRegistry registry, InstantSource clock) {
        if (nextSeq < 1) {
            throw new IllegalArgumentException("nextSeq must be at least 1, got " + nextSeq);
        }
        GatewaySender sender = new GatewaySender(config, nextSeq, acks, stream, epochs, registry, clock);
        sender.connector.start();
        return sender;
    }

    /**
     * Sends {@code record} if the sender takes records, the record is the next seq and it fits in the window;
     * otherwise refuses it, and every later one until the resync (the stream is broken). Never blocks. While a connection is being
     * re-established the record waits in the window and goes out after the handshake. Takes ownership of the
     * record either way.
     *
     * @return true when sent; false when the caller must keep the record's regions dirty
     * @throws IllegalArgumentException for a record of another consistency group (released first)
     */
    @Override
    public boolean offer(WriteRecord record) {
        boolean handedOn = false;
        try {
            if (record.cg() != cg) {
                throw new IllegalArgumentException("record of cg " + record.cg() + " offered to the sender of cg " + cg);
            }
            int bytes = FrameCodec.encodedLength(record);
            int held = heldBytes(record, bytes);
            Channel channel;
            synchronized (lock) {
                startSeqOpen = false;
                BitmapReason refusal = admit(record, held);
                if (refusal != null) {
                    metrics.refused(refusal);
                    enterBitmap(refusal, record.seq());
                    return false;
                }
                nextSeq++;
                lastSentSeq = record.seq();
                channel = streamChannel; // null: the window holds it until a connection takes it
            }
            if (channel != null) {
                // Outside the lock, which the event loop takes for every ack: queueing the write may wake the loop
                // (a syscall). Offers come one at a time in seq order (the tap's group serialises them), so the
                // writes stay in order; a record whose connection dropped meanwhile is in the window, sent again.
                // A failed write reaches the pipeline's exceptionCaught, which closes the connection.
                FlushCoalescer.write(channel, record, channel.voidPromise());
                handedOn = true;
                CrashPoint.reached(CrashPoint.Point.TAP_RECORD_SENT);
            }
            metrics.sent(bytes);
            return true;
        } finally {
            if (!handedOn) {
                record.release();
            }
        }
    }

    /**
     * The memory {@code record} keeps while the window holds it: its frame's {@code encodedBytes}, with the payload
     * counted as the block of the payload pool it lives in (up to twice its bytes), so the window bounds memory.
     */
    private static int heldBytes(WriteRecord record, int encodedBytes) {
        ByteBuf payload = record.write().payload();
        return (int) (encodedBytes - payload.readableBytes() + PayloadPool.heldBytes(payload));
    }

    /**
     * The tap's disks grew to {@code sizes} (bytes of disk i at index i): from now on every connection's HELLO declares
     * them, and the connection that declared the old sizes is closed (and made again, as after any outage: the window
     * keeps its records and sends them again), so no record past an old end goes where only the old size is known.
     * The gateways grow the group before they answer the new HELLO. Returns once that connection is closed.
     */
    @Override
    public void disksGrown(List<Long> sizes) {
        Hello before = hello;
        List<DiskInfo> grown = before.disks().stream().map(d -> d.id() < sizes.size()
                && sizes.get(d.id()) > d.sizeBytes() ? new DiskInfo(d.id(), d.name(), sizes.get(d.id()),
                d.blockSizeBytes()) : d).toList();
        if (grown.equals(before.disks())) {
            return;
        }
        hello = before.withDisks(grown);
        LOG.info("cg {}: disks grown to {}: reconnecting to gateway {} so that the handshake declares them", cg,
                grown, gateway);
        connector.reconnect();
    }

    /**
     * The operator paused ({@code true}) or resumed the group: the gateway hears it at once in a HEARTBEAT (and in every
     * idle one after it, and right after each handshake), where it agreed {@link Feature#TAP_PAUSE}, so its status
     * shows PAUSED rather than STREAMING. The stream itself is the tap's group's business: nothing else changes here.
     */
    public void reportPaused(boolean paused) {
        this.paused = paused;
        Channel channel = streamChannel;
        if (channel != null) {
            sendPauseState(channel);
        }
    }

    private void sendPauseState(Channel channel) {
        if (pauseAgreed) {
            channel.writeAndFlush(new Heartbeat(ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant()), lastSentSeq,
                    paused), channel.voidPromise());
        }
    }

    /** The HELLO a new connection opens with now. */
    Hello hello() {
        return hello;
    }

    @Override
    public long windowBytes() {
        return window.capacityBytes();
    }

    /**
     * The seq the tap's first write must take, fixed from now on. A tap starting with a clean bitmap has
     * nothing the gateway lacks, so it continues after whatever the gateway already holds (its seq counter is
     * not persistent); the handshakes before this call may therefore move the start up to the gateway's
     * {@code resumeSeq + 1}.
     */
    public long takeStartSeq() {
        synchronized (lock) {
            startSeqOpen = false;
            return nextSeq;
        }
    }

    /**
     * Sends a durability point for records already sent, when taking records and the socket has room; a
     * repeat of the last flush's seq is dropped. A refused flush changes nothing else: the records it
     * covers are on their way or dirty anyway.
     *
     * @return true when sent or already sent
     */
    public boolean offerFlush(Flush flush) {
        if (flush.cg() != cg) {
            throw new IllegalArgumentException("flush of cg " + flush.cg() + " offered to the sender of cg " + cg);
        }
        synchronized (lock) {
            Channel channel = streamChannel;
            // Checked first: while refusing, a flush may well cover records that were refused.
            if (refusal != null || channel == null || !channel.isWritable()) {
                return false;
            }
            if (flush.seq() > lastSentSeq) {
                throw new IllegalArgumentException("flush at seq " + flush.seq() + " beyond the last sent seq "
                        + lastSentSeq);
            }
            if (flush.seq() == lastFlushSeq) {
                return true;
            }
            lastFlushSeq = flush.seq();
            channel.writeAndFlush(flush, channel.voidPromise());
            return true;
        }
    }

    /**
     * Takes records again: the next offered record must be {@code nextSeq}. Made by the resync once
     * every record before {@code nextSeq} is durable at the gateway or covered by dirty bits being
     * copied. Needs a handshaken connection.
     *
     * @return true when taking records again; false when not connected (still refusing)
     * @throws IllegalStateException when already taking records
     * @throws IllegalArgumentException when {@code nextSeq} does not move past every seq already sent
     */
    public boolean resumeStreaming(long nextSeq) {
        synchronized (lock) {
            if (refusal == null) {
                throw new IllegalStateException("cg " + cg + " is already streaming");
            }
            if (nextSeq <= lastSentSeq) {
                throw new IllegalArgumentException("cg " + cg + ": resume at seq " + nextSeq
                        + " would reuse seqs already sent (up to " + lastSentSeq + ")");
            }
            if (closed || streamChannel == null) {
                return false;
            }
            this.nextSeq = nextSeq;
            takeRecordsAgain(nextSeq);
            return true;
        }
    }

    /**
     * For the resync after bitmap mode: takes records again and returns the seq the next one must carry,
     * the one after everything the gateway holds or has on its way; -1, still refusing, while no connection is
     * handshaken. The tap calls it with its group's lock held and nothing in flight, and re-bases its seqs on the
     * answer.
     */
    public long resumeForResync() {
        synchronized (lock) {
            if (closed || streamChannel == null) {
                return -1;
            }
            if (refusal != null) {
                takeRecordsAgain(nextSeq);
            }
            return nextSeq;
        }
    }

    /**
     * The tap starts with dirty regions from an earlier run: refuse records until a resync resumes the
     * stream, so a handshake adopts the gateway's resume point instead of insisting on this run's seqs.
     */
    public void awaitResync() {
        synchronized (lock) {
            startSeqOpen = false;
            // Already connected: the handshake set the start to the gateway's resume point, nothing was offered.
            enterBitmap(BitmapReason.DIRTY_AT_START, nextSeq);
        }
    }

    /** How long an outage may last before the listener ends it ({@link #outageGraceOver}). */
    public long outageGraceMs() {
        return outageGraceMs;
    }

    /** True while records are taken; false from a break of the stream until the resync re-bases it. */
    public boolean takesRecords() {
        return refusal == null;
    }

    /** From now on, the gateway's VERIFY_REQUEST and VERIFY_REPAIR frames are answered by {@code responder}. */
    public void answerVerifyWith(Function<Frame, CompletableFuture<VerifyAnswer>> responder) {
        this.verifyResponder = responder;
    }

    /** True while a connection has completed its handshake. */
    public boolean isConnected() {
        return streamChannel != null;
    }

    /** Memory held by records sent and not yet acknowledged DURABLE (their frames, payloads as pooled blocks). */
    public long windowBytesInUse() {
        return window.bytesInUse();
    }

    /**
     * Tap time (µs) of the oldest write handed to the gateway and not yet acknowledged durable by it,
     * {@link Long#MAX_VALUE} when there is none; from any thread.
     */
    public long oldestUnacknowledgedMicros() {
        return window.oldestTimestampMicros();
    }

    /** Highest seq the gateway has acknowledged DURABLE (0 before any). */
    public long durableSeq() {
        return durableSeq;
    }

    /** Highest seq the gateway reported applied at its target (0 before any, or without APPLIED_ACKS). */
    public long appliedSeq() {
        return appliedSeq;
    }

    /** True while the handshaken connection forwards the target's applied seq: the tap's bits wait for it. */
    public boolean holdsUntilApplied() {
        return appliedAcks;
    }

    /** Highest seq accepted: sent, or held in the window for the next connection. */
    public long lastSentSeq() {
        return lastSentSeq;
    }

    /**
     * Sends what is queued, closes the connection and the event loop, waiting at most about
     * {@code closeTimeoutMs}. Later offers are refused. Must not be called from a listener.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            enterBitmap(BitmapReason.CLOSED, nextSeq);
        }
        connector.close(true); // sends what is queued first
        metrics.close();
    }

    /**
     * Why {@code record} cannot be sent now, or null when it can, in which case the window holds a reference to
     * it. Holds the lock.
     */
    private BitmapReason admit(WriteRecord record, int bytes) {
        if (closed) {
            return BitmapReason.CLOSED;
        }
        if (refusal != null) {
            return BitmapReason.IN_BITMAP_MODE;
        }
        if (record.seq() != nextSeq) {
            return BitmapReason.SEQ_OUT_OF_ORDER;
        }
        if (streamChannel == null && !everConnected) {
            return BitmapReason.NOT_CONNECTED;
        }
        return window.tryReserve(record, bytes) ? null : BitmapReason.WINDOW_FULL;
    }

    private void enterBitmap(BitmapReason reason, long seq) {
        if (refusal == null) {
            refuseFrom(reason, seq);
        }
        if (streamChannel == null) {
            window.clear(); // nothing will send them again: their dirty bits cover them
        }
    }

    /** The stream broke at {@code seq}: refuse records until the resync re-bases it. Holds the lock. */
    private void refuseFrom(BitmapReason reason, long seq) {
        refusal = reason;
        if (reason == BitmapReason.CLOSED) {
            LOG.info("cg {}: sender closed at seq {}, durable up to seq {}", cg, seq, durableSeq);
        } else {
            LOG.warn("cg {}: BITMAP mode at seq {} ({}): records are refused and only dirty bits kept; "
                    + "durable up to seq {}", cg, seq, reason, durableSeq);
        }
        stream.streamBroken(reason, seq);
    }

    /** The resync re-based the stream: records are taken again from {@code seq}. Holds the lock. */
    private void takeRecordsAgain(long seq) {
        refusal = null;
        LOG.info("cg {}: STREAMING again from seq {}", cg, seq);
    }

    /**
     * Sends again, on a new connection, what the window holds beyond the gateway's {@code resumeSeq}, so an
     * outage shorter than the window costs no resync. When the window does not reach back to
     * {@code resumeSeq + 1} the stream cannot continue gap-free: it breaks. Holds the lock.
     */
    private void resendAfter(Channel channel, long resumeSeq) {
        long first = window.firstSeq();
        if (resumeSeq != nextSeq - 1 && (first == 0 || first > resumeSeq + 1)) {
            refuseFrom(BitmapReason.GATEWAY_OUT_OF_STEP, nextSeq);
            return;
        }
        int resent = window.forEachAfter(resumeSeq, r -> channel.write(r, channel.voidPromise()));
        if (resent > 0) {
            channel.flush();
            metrics.resent(resent);
            LOG.info("cg {}: sent {} records again from seq {} after the reconnect", cg, resent, resumeSeq + 1);
        }
    }

    /**
     * A handshake while refusing: nothing is held (the window empties when a connection is lost while refusing), and
     * the records after the gateway's {@code resumeSeq} were lost with it or never sent; their dirty bits cover them.
     * The stream a resync starts continues right after what the gateway holds. Seqs the gateway holds beyond those
     * this run sent come from an earlier run of the tap: nothing of this run to acknowledge. Holds the lock.
     */
    private void adoptResumePoint(long resumeSeq) {
        if (resumeSeq != nextSeq - 1) {
            LOG.info("cg {}: gateway {} holds up to seq {}: the resync will stream from seq {} (this run had reached "
                    + "seq {})", cg, gateway, resumeSeq, resumeSeq + 1, nextSeq - 1);
        }
        window.clear();
        if (resumeSeq > lastSentSeq) {
            durableSeq = resumeSeq;
        }
        nextSeq = resumeSeq + 1;
        lastSentSeq = resumeSeq;
    }

    /**
     * What this run saw acknowledged durable ({@code durableSeq}) is not in the journal of the gateway that answered:
     * it holds less (its journal lost records, e.g. its data directory was restored from an older copy), or it is
     * another gateway than the one that acknowledged them (a takeover: the new leader's journal is its own). Their
     * dirty bits were cleared on the old word, so the tap marks every region dirty and resyncs all of it, continuing
     * the stream after what the gateway holds. Holds the lock.
     */
    private void acknowledgedLost(String receiverId, long resumeSeq) {
        String why = durableAt != null && !durableAt.equals(receiverId)
                ? "another gateway than " + durableAt + ", which acknowledged them (a takeover), holds none of them"
                : "its journal lost acknowledged records (restored from an older copy?)";
        LOG.error("cg {}: gateway {} ({}) holds up to seq {} but seq {} was acknowledged as durable before: {}; {} "
                + "marked dirty and resynced", cg, gateway, receiverId, resumeSeq, durableSeq, why, unappliedTracked
                ? "the regions its target had not applied (the tap kept their bits until APPLIED) are"
                : "every region is");
        metrics.acknowledgedLost();
        acks.acknowledgedLost(cg, resumeSeq, unappliedTracked);
        enterBitmap(BitmapReason.GATEWAY_LOST_ACKNOWLEDGED, nextSeq); // the handshake then adopts its resume point
        durableSeq = resumeSeq;
        appliedSeq = Math.min(appliedSeq, resumeSeq); // the acks from now on are of the answering journal's seqs
    }

    /**
     * The gateway's word that its target applied every record up to {@code seq} (APPLIED_ACKS agreed), which implies
     * DURABLE: the two acks come from two threads of the gateway, so APPLIED may come first. Event loop only.
     */
    private void advanceApplied(long seq) throws ProtocolException {
        if (seq > lastSentSeq) {
            throw new ProtocolException(ErrorCode.SEQ_GAP, "cg " + cg + ": APPLIED ack of seq " + seq
                    + " beyond seq " + lastSentSeq + " sent so far");
        }
        if (seq > durableSeq) {
            advanceDurable(seq);
        }
        if (seq > appliedSeq) {
            appliedSeq = seq;
            acks.applied(cg, seq);
        }
    }

    /**
     * The listener's decision that outage number {@code outage} ({@link StreamListener#disconnected}) lasted longer than
     * {@link #outageGraceMs}: when the connection is still not back, stop holding records (the stream breaks, the
     * dirty bits cover them). Nothing for an outage that ended, or one that is not the latest.
     */
    public void outageGraceOver(long outage) {
        synchronized (lock) {
            if (outage == outages && streamChannel == null) {
                enterBitmap(BitmapReason.CONNECTION_LOST, nextSeq);
            }
        }
    }

    /**
     * Before anything of a new connection is trusted: a gateway that leads the group under a lower epoch than one this
     * tap has seen was deposed (a paused leader woken up), so neither its resume point nor its acks count; a higher
     * epoch is persisted before it is trusted. A gateway that does not tell its epoch (an older build) is not checked.
     */
    private void admitEpoch(HelloAck ack) throws ProtocolException {
        if (!Feature.LEADER_EPOCH.in(ack.features())) {
            return;
        }
        try {
            if (!epochs.admit(ack.epoch())) {
                throw new ProtocolException(ErrorCode.STALE_EPOCH, "gateway " + ack.receiverId() + " leads cg " + cg
                        + " under epoch " + ack.epoch() + ", below epoch " + epochs.highest() + " this tap already"
                        + " saw: a deposed leader; nothing is sent to it or taken from it");
            }
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.STORAGE_FAILURE, "cannot persist the epoch " + ack.epoch()
                    + " of gateway " + ack.receiverId() + ": " + e.getMessage());
        }
    }

    /** The gateway's word that every record up to {@code seq} is durable. Event loop only. */
    private void advanceDurable(long seq) {
        synchronized (lock) {
            if (seq <= durableSeq) {
                return;
            }
            window.releaseThrough(seq);
            durableSeq = seq;
        }
        acks.durable(cg, seq);
    }

    /** The connection's view of this sender; every call arrives on the event loop. */
    /** What the gateway sent for the RESYNC_REQUIRED expected next; null when none. Under {@code lock}. */
    private ResyncRegions resyncRegions;

    private final class Events implements SessionEvents {
        @Override
        public void handshaken(Channel channel, HelloAck ack) throws ProtocolException {
            admitEpoch(ack);
            long resumeSeq = ack.resumeSeq();
            synchronized (lock) {
                if (startSeqOpen && resumeSeq != lastSentSeq) {
                    LOG.info("cg {}: gateway {} holds up to seq {}: this tap starts at seq {}", cg, gateway,
                            resumeSeq, resumeSeq + 1);
                    nextSeq = resumeSeq + 1;
                    lastSentSeq = resumeSeq;
                    durableSeq = resumeSeq;
                    window.releaseThrough(resumeSeq);
                }
                boolean holdUntilApplied = Feature.APPLIED_ACKS.in(ack.features());
                boolean lost = resumeSeq < durableSeq || durableSeq > 0 && durableAt != null
                        && !durableAt.equals(ack.receiverId());
                if (lost) {
                    acknowledgedLost(ack.receiverId(), resumeSeq);
                }
                unappliedTracked = holdUntilApplied && (lost || durableAt == null || unappliedTracked);
                appliedAcks = holdUntilApplied;
                acks.holdUntilApplied(cg, holdUntilApplied); // before any DURABLE ack of this connection
                if (refusal != null) {
                    adoptResumePoint(resumeSeq);
                }
                if (resumeSeq > lastSentSeq) {
                    throw new ProtocolException(ErrorCode.SEQ_GAP, "gateway " + ack.receiverId() + " holds cg " + cg
                            + " up to seq " + resumeSeq + ", but this tap has sent only up to " + lastSentSeq
                            + ": wrong pair, or a tap that lost its seq counter");
                }
                if (closed) {
                    channel.close();
                    return;
                }
                everConnected = true;
                durableAt = ack.receiverId();
                LOG.info("cg {}: connected to gateway {} ({}, protocol {}), it holds up to seq {}, next seq {}, {}",
                        cg, connector.currentAddress(), ack.receiverId(), ack.protocol(), resumeSeq, nextSeq,
                        refusal == null ? "taking records" : "refusing records (" + refusal + ") until a resync");
                if (refusal == null) {
                    resendAfter(channel, resumeSeq);
                }
                streamChannel = channel;
                pauseAgreed = Feature.TAP_PAUSE.in(ack.features());
                if (paused) {
                    sendPauseState(channel);
                }
            }
            connector.connectionWorked();
            advanceDurable(resumeSeq);
            stream.connected();
        }

        @Override
        public void acknowledged(Ack ack) throws ProtocolException {
            if (ack.cg() != cg) {
                throw new ProtocolException(ErrorCode.WRONG_PAIR, "ack for cg " + ack.cg() + " on the connection of cg "
                        + cg);
            }
            if (ack.scope() == AckScope.APPLIED) {
                if (appliedAcks) {
                    advanceApplied(ack.seq()); // else the gateway did not agree to forward them: not the tap's business
                }
                return;
            }
            if (ack.scope() != AckScope.DURABLE) {
                return;
            }
            long seq = ack.seq();
            if (seq < durableSeq || seq > lastSentSeq) {
                throw new ProtocolException(ErrorCode.SEQ_GAP, "cg " + cg + ": DURABLE ack of seq " + seq
                        + " outside [" + durableSeq + ", " + lastSentSeq + "] (acked before, sent so far)");
            }
            advanceDurable(seq);
            CrashPoint.reached(CrashPoint.Point.TAP_ACK_PROCESSED);
        }

        @Override
        public void disconnected(Channel channel) {
            metrics.disconnected();
            synchronized (lock) {
                if (streamChannel != channel) {
                    return; // never handshaken, or refused by the gateway: the handler has said why
                }
                streamChannel = null;
                long outage = ++outages;
                if (refusal == null && !closed) {
                    LOG.warn("cg {}: disconnected from gateway {} with {} records ({} bytes) unacknowledged after seq "
                            + "{}: holding them to send again; bitmap mode if the window fills or the outage passes "
                            + "{} ms", cg, gateway, window.records(), window.bytesInUse(), durableSeq, outageGraceMs);
                } else {
                    window.clear();
                }
                stream.disconnected(outage); // the listener times the grace: only posts, safe under the lock
            }
        }

        @Override
        public void refused(ErrorCode code) {
            if (code == ErrorCode.JOURNAL_FULL || code == ErrorCode.STORAGE_FAILURE) {
                synchronized (lock) {
                    streamLost();
                    enterBitmap(BitmapReason.GATEWAY_REFUSED, nextSeq);
                }
            } else if (code == ErrorCode.RESYNC_REQUIRED) {
                synchronized (lock) {
                    streamLost();
                    ResyncRegions regions = resyncRegions;
                    resyncRegions = null;
                    if (regions == null || regions.everything()) {
                        LOG.warn("cg {}: gateway {} asks for a resync of the whole disks (the replica's data was"
                                + " discarded): every region is marked dirty", cg, gateway);
                    } else {
                        LOG.warn("cg {}: gateway {} asks for a resync of {} ranges, {} bytes (the replica's data "
                                + "was discarded there): their regions are marked dirty", cg, gateway,
                                regions.ranges().size(), regions.bytes());
                    }
                    acks.resyncRequested(cg, regions);
                    enterBitmap(BitmapReason.RESYNC_REQUESTED, nextSeq);
                }
            } else {
                synchronized (lock) {
                    resyncRegions = null; // only for the RESYNC_REQUIRED right after it
                }
            }
        }

        /**
         * The gateway refused the stream with an ERROR and closes the connection: from now on it is not connected for
         * the stream, so no resync starts on it (it would re-base on this run's seqs, not on the gateway's resume
         * point). Under the lock, before entering bitmap mode, which then forgets the window.
         */
        private void streamLost() {
            streamChannel = null;
        }

        @Override
        public void resyncRegions(ResyncRegions regions) {
            synchronized (lock) {
                if (regions.cg() == cg) {
                    resyncRegions = regions;
                } else {
                    LOG.warn("cg {}: gateway {} sent RESYNC_REGIONS of cg {}: ignored", cg, gateway,
                            Integer.toUnsignedString(regions.cg()));
                }
            }
        }

        @Override
        public CompletableFuture<VerifyAnswer> verify(Frame request) {
            Function<Frame, CompletableFuture<VerifyAnswer>> answering = verifyResponder;
            return answering != null ? answering.apply(request) : CompletableFuture.completedFuture(
                    VerifyAnswer.refusing(request, "the tap is starting: verify again in a moment"));
        }

        @Override
        public long lastSentSeq() {
            return lastSentSeq;
        }

        @Override
        public long unacknowledgedBytes() {
            return window.bytesInUse();
        }

        @Override
        public boolean paused() {
            return paused;
        }
    }
}
