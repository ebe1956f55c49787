package io.datamover.gateway.source.ship;

import io.datamover.gateway.source.CgIdentity;
import io.datamover.gateway.source.GenerationLog;
import io.datamover.gateway.source.journal.Journal;
import io.datamover.gateway.source.journal.JournalReader;
import io.datamover.protocol.Ack;
import io.datamover.protocol.AckScope;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.ErrorFrame;
import io.datamover.protocol.Feature;
import io.datamover.protocol.Frame;
import io.datamover.protocol.FrameCodec;
import io.datamover.protocol.Handshake;
import io.datamover.protocol.Hello;
import io.datamover.protocol.HelloAck;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.ResyncRegions;
import io.datamover.protocol.Role;
import io.datamover.protocol.VerifyAnswer;
import io.datamover.protocol.WriteRecord;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships one consistency group's journal to the target gateway (docs/pipeline.md, "Source gateway
 * to target gateway"). Its own thread owns the {@link JournalReader} and the batch being gathered:
 * it reads durable records, cuts batches by interval or size, coalesces and compresses them, and
 * keeps several in flight within the window. The link's event loop only moves frames and reports
 * handshakes and acks.
 *
 * <p>On every handshake the reader seeks to the target's {@code resumeSeq + 1}; batches in flight on
 * the previous connection are forgotten (the journal still holds them). An ack DURABLE moves the
 * shipped seq; the journal's owner is asked, through {@code releaseRequest}, to release up to the seq the target
 * applied (a target that agreed {@code APPLIED_ACKS}: what a target spooled is on that target gateway's disk only, and
 * another target gateway of its site that takes the group over resumes from the replicas' applied seq,
 * docs/coordination.md) or, with an older target, up to the shipped seq; an ack APPLIED, or the applied seq in a target's heartbeat (one answers the heartbeat sent at each handshake, so
 * a restarted gateway knows it before any new write), moves the applied seq, which RPO and lag are measured against.
 */
public final class Shipper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Shipper.class);
    /** Unapplied batches remembered one by one for RPO; past this they merge (see {@link UnappliedBatches}). */
    private static final int UNAPPLIED_ENTRIES = 4096;

    private final ShipperConfig config;
    private final CgIdentity identity;
    private final Journal journal;
    private final LongConsumer releaseRequest;
    private final Runnable failedListener;
    private final InstantSource clock;
    private final ShipperMetrics metrics;
    private final InFlightBatches window;
    private final UnappliedBatches unapplied = new UnappliedBatches(UNAPPLIED_ENTRIES);
    /** The epoch of no tenure: the link is down. */
    private static final long NOT_LEADING = -1;
    private final Thread thread;
    private final long idleCheckNanos;
    private final GenerationGuard generations;
    /** The HELLO without generations; each connection's adds them ({@link GenerationGuard#hello}). */
    private final Hello helloTemplate;

    /** Handshakes not yet adopted by the shipper's thread; only the latest counts. */
    private final AtomicReference<TargetSession> handshakes = new AtomicReference<>();
    /** The group's owed tap resync, which the target's reports complete; null until {@link #reportsTo}. */
    private volatile DiscardReports discardReports;
    /** Where the target's VERIFY_ANSWERs go ({@link #verifyAnswersTo}); dropped until set. */
    private volatile Consumer<VerifyAnswer> verifyAnswers = answer -> { };
    /** Told each applied seq the target reports, on the link's event loop; set once at the group's open. */
    private volatile LongConsumer appliedListener = seq -> { };
    /** The handshaken connection, for status; set on the event loop. */
    private volatile TargetSession current;
    private volatile long shippedSeq;
    private volatile long appliedSeq;
    /** The target sends APPLIED acks: the journal is released up to the applied seq, not the durable one. */
    private volatile boolean releaseAtApplied;
    private volatile long lastSentSeq;
    /** Tap time of the oldest record read but not yet shipped; {@link Long#MAX_VALUE} when none. */
    private volatile long oldestPendingMicros = Long.MAX_VALUE;
    private volatile boolean closing;
    /** The unexpected failure that stopped the shipper's thread; null while it runs. */
    private volatile String failure;

    // The shipper's thread only.
    private final BatchCutter cutter;
    private final ShippingGate gate;
    /** What the journal changed past a split brain's promoted seq, counted while the target refuses it so. */
    private final DivergedWrites divergedWrites;
    /** The link to the target, held only while this gateway leads the group: one link per tenure. */
    private TargetLink link;
    /** The epoch {@link #link} was opened under, {@link #NOT_LEADING} without a link; read by HELLOs on its loop. */
    private volatile long linkEpoch = NOT_LEADING;
    private TargetSession active;
    /** Records up to this seq are held by the target already; the reader may still hand them out. */
    private long skipThroughSeq;

    private Shipper(ShipperConfig config, String senderId, CgIdentity identity, Journal journal,
            GenerationLog generationLog, LongConsumer releaseRequest, Runnable failedListener, MeterRegistry registry,
            InstantSource clock, ShippingGate gate) {
        this.config = config;
        this.gate = gate;
        this.identity = identity;
        this.journal = journal;
        this.releaseRequest = releaseRequest;
        this.failedListener = failedListener;
        this.clock = clock;
        this.idleCheckNanos = TimeUnit.MILLISECONDS.toNanos(config.idleCheckMs());
        this.window = new InFlightBatches(config.maxBatchesInFlight(), config.maxBytesInFlight());
        this.divergedWrites = new DivergedWrites(journal);
        this.cutter = new BatchCutter(TimeUnit.MILLISECONDS.toNanos(config.batchIntervalMs()), config.batchMaxBytes());
        this.metrics = new ShipperMetrics(registry, identity.cgLabel());
        this.generations = new GenerationGuard(generationLog, identity.cgLabel());
        this.helloTemplate = hello(senderId, identity, config.compressionEnabled());
        this.thread = Thread.ofPlatform().name("shipper-" + identity.cgLabel()).unstarted(this::run);
        metrics.publishStatus(this::status); // last: a scrape may call status() at once
    }

    /**
     * Starts shipping {@code journal} to the target in {@code config}.
     *
     * @param senderId this source gateway's identity (e.g. its host name), sent in the HELLO
     * @param identity the consistency group the journal belongs to, as its tap declared it
     * @param generationLog the group's generation history, sent in each HELLO and checked against the target's
     * @param releaseRequest called on the link's event loop with the highest seq the target holds
     *     durably, each time it grows; its owner hands it to the journal's owner thread, which calls
     *     {@link Journal#release}. Never called with a seq above {@link Journal#durableSeq()}.
     * @param failedListener called on the shipper's thread when an unexpected failure stopped it ({@link #failure()})
     * @param clock tap-time ages (RPO), heartbeats and batch intervals
     */
    public static Shipper start(ShipperConfig config, String senderId, CgIdentity identity, Journal journal,
            GenerationLog generationLog, LongConsumer releaseRequest, Runnable failedListener, MeterRegistry registry,
            InstantSource clock) {
        return start(config, senderId, identity, journal, generationLog, releaseRequest, failedListener, registry,
                clock, ShippingGate.ALWAYS_OPEN);
    }

    /** As above, shipping a batch only while {@code gate} is open (this gateway leads the group). */
    public static Shipper start(ShipperConfig config, String senderId, CgIdentity identity, Journal journal,
            GenerationLog generationLog, LongConsumer releaseRequest, Runnable failedListener, MeterRegistry registry,
            InstantSource clock, ShippingGate gate) {
        Shipper shipper = new Shipper(config, senderId, identity, journal, generationLog, releaseRequest,
                failedListener, registry, clock, gate);
        shipper.thread.start();
        return shipper;
    }

    /** The HELLO every connection opens with; LZ4 is offered only when compression is enabled. */
    private static Hello hello(String senderId, CgIdentity identity, boolean offerLz4) {
        Hello all = Hello.of(Role.SOURCE_GATEWAY, senderId, identity.pairId(), identity.cgId(), identity.cgName(),
                identity.disks());
        if (!offerLz4) {
            all = new Hello(all.protocolMin(), all.protocolMax(), all.features() & ~Feature.LZ4_BATCHES.mask(),
                    all.role(), all.senderId(), all.pairId(), all.cgId(), all.cgName(), all.disks());
        }
        // REDIRECT: a target gateway of the recovery site that does not lead the group names the one that does.
        return all.requesting(Feature.THICK_REPLICA, identity.thickReplica()).requesting(Feature.REDIRECT, true);
    }

    /** The journal's owner calls this after each group-commit sync: durable records wait to be shipped. */
    public void durableAdvanced() {
        LockSupport.unpark(thread);
    }

    /** What has been shipped and applied, and how far behind the target is; from any thread. */
    public ShipperStatus status() {
        long durable = journal.durableSeq();
        long applied = appliedSeq;
        long lagRecords = Math.max(0, durable - applied);
        long oldest = Math.min(unapplied.oldestTimestampMicros(), oldestPendingMicros);
        double rpoSeconds = 0;
        long lagBytes = 0;
        if (lagRecords > 0) {
            lagBytes = journal.retainedBytes() + unapplied.bytesThrough(journal.releasedSeq());
            if (oldest != Long.MAX_VALUE) {
                rpoSeconds = Math.max(0, nowMicros() - oldest) / 1e6;
            }
        }
        TargetSession session = current;
        return new ShipperStatus(session != null && session.isOpen(), durable, shippedSeq, applied, lagRecords,
                lagBytes, rpoSeconds, lagRecords > 0 ? oldest : Long.MAX_VALUE, window.batches(), window.bytes(),
                metrics.batchesShipped.get(), metrics.recordsShipped.get(), metrics.bodyBytesShipped.get(),
                metrics.wireBytesOut.get(), metrics.compressionRatio(), metrics.coalescedRecords.get(),
                metrics.coalescedBytes.get(), metrics.lastError(), generations.refusal(),
                generations.currentGeneration(), divergedWrites.figure());
    }

    /**
     * {@code datamover resync --discard replica} for this group: see {@link GenerationGuard#discardReplica}.
     *
     * @param beforeNewGeneration run once a new generation is due, before it is stored
     * @throws IllegalStateException when the group is not refused as DIVERGED
     */
    public String discardReplica(GenerationGuard.BeforeDiscard beforeNewGeneration) throws IOException {
        return generations.discardReplica(journal.durableSeq(), beforeNewGeneration);
    }

    /** Has the target's reports of what a discard must resync go to {@code reports}; set once, at the group's open. */
    public void reportsTo(DiscardReports reports) {
        this.discardReports = reports;
    }

    /** Has the target's online-verify answers go to {@code answers}; set once, at the group's open. */
    public void verifyAnswersTo(Consumer<VerifyAnswer> answers) {
        this.verifyAnswers = answers;
    }

    /**
     * Sends an online-verify request to the target on the current connection, from any thread; false when there is
     * none (the answer comes to {@link #verifyAnswersTo}).
     */
    public boolean sendVerify(Frame request) {
        TargetSession session = current;
        if (session == null || !session.isOpen()) {
            return false;
        }
        session.channel.writeAndFlush(request, session.channel.voidPromise());
        return true;
    }

    /**
     * Has each applied seq the target reports go to {@code listener} (on the link's event loop, must not block): the
     * group's tap keeps its dirty bits until then. Set once, at the group's open.
     */
    public void appliedTo(LongConsumer listener) {
        this.appliedListener = listener;
    }

    /** The highest seq the target reported applied (0 before any report); from any thread. */
    public long appliedSeq() {
        return appliedSeq;
    }

    /** The unexpected failure that stopped the shipper's thread, or null while it runs. */
    public String failure() {
        return failure;
    }

    /** Stops cutting, closes the connection, closes the reader on its thread and waits for the thread. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(config.link().closeTimeoutMs() * 2 + 1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("cg {}: the shipper's thread did not stop in time", identity.cgLabel());
        }
        metrics.close();
    }

    private void run() {
        try (JournalReader reader = journal.newReader()) {
            try {
                while (!closing) {
                    step(reader);
                }
            } finally {
                cutter.close();
                divergedWrites.close();
                closeLink();
            }
        } catch (RuntimeException | Error e) {
            failure = String.valueOf(e);
            LOG.error("cg {}: the shipper stopped on an unexpected failure; the group is to be reopened",
                    identity.cgLabel(), e);
            failedListener.run();
            return;
        }
        LOG.info("cg {}: shipper stopped at shipped seq {}, applied seq {}", identity.cgLabel(), shippedSeq,
                appliedSeq);
    }

    /** One round: adopt a new connection, read, ship what is due, then sleep until there is more to do. */
    private void step(JournalReader reader) {
        generations.endGenerationIfDue();
        boolean moreToCount = divergedWrites.follow(generations.refusal());
        followLeadership();
        TargetSession fresh = handshakes.getAndSet(null);
        if (fresh != null) {
            adopt(fresh, reader);
        }
        if (active != null && !active.isOpen()) {
            active = null;
        }
        Instant instant = clock.instant();
        long now = nanos(instant);
        fill(reader, now);
        long throttledNanos = 0;
        while (active != null && cutter.due(now) && window.hasRoomFor(cutter.bytes()) && leadsUnderLinkEpoch()
                && (throttledNanos = config.throttle().nanosUntilSend(instant)) == 0) {
            config.throttle().sent(ship(cutter.cut(now), active), instant);
            fill(reader, now);
            instant = clock.instant();
            now = nanos(instant);
        }
        oldestPendingMicros = cutter.oldestTimestampMicros();
        long waitNanos = moreToCount ? 0 : idleCheckNanos;
        if (active != null && !cutter.due(now)) {
            waitNanos = Math.min(waitNanos, cutter.nanosUntilDue(now));
        }
        if (throttledNanos > 0) {
            // The link's rate limit: sleep until the bucket allows the next batch (the full batch waits, unread
            // records stay in the journal; a new schedule is seen within the idle check).
            waitNanos = Math.min(waitNanos, throttledNanos);
        }
        if (!closing && handshakes.get() == null) {
            LockSupport.parkNanos(this, waitNanos);
        }
    }

    /**
     * Holds a link to the target only while this gateway leads the group, and one per tenure: a standby holds none, a
     * demoted leader closes its link (the target would refuse its epoch anyway once another leads), a new tenure
     * connects again under its new epoch, which supersedes any older connection at the target.
     */
    private void followLeadership() {
        OptionalLong leading = gate.leadingEpoch();
        long epoch = leading.isPresent() ? leading.getAsLong() : NOT_LEADING;
        if (epoch == linkEpoch) {
            return;
        }
        if (link != null) {
            LOG.info("cg {}: {}: closing the link to the target", identity.cgLabel(), epoch == NOT_LEADING
                    ? "this gateway no longer leads the group (epoch " + linkEpoch + ")"
                    : "a new tenure under epoch " + epoch + " replaces epoch " + linkEpoch);
            closeLink();
        }
        if (epoch != NOT_LEADING) {
            try {
                generations.beginTenure(epoch, journal.durableSeq());
            } catch (IOException e) {
                LOG.error("cg {}: cannot begin the generation of the tenure under epoch {}; no link until it is: {}",
                        identity.cgLabel(), epoch, e.toString());
                return; // tried again at the next step
            }
            linkEpoch = epoch;
            link = new TargetLink(config, helloTemplate, new Events(), metrics, clock);
            link.start();
        }
    }

    /**
     * The gateway leads the group and takes its tap: the tenure's generation begins first (once per tenure, whoever
     * comes first: this or the shipper's link), so the tap's records of the tenure all follow its start. Blocking.
     */
    public void beginTenure() throws IOException {
        OptionalLong leading = gate.leadingEpoch();
        if (leading.isPresent()) {
            generations.beginTenure(leading.getAsLong(), journal.durableSeq());
        }
    }

    /** Closes the link and forgets its connection: nothing is shipped until the next tenure's handshake. */
    private void closeLink() {
        if (link != null) {
            link.close();
            link = null;
        }
        linkEpoch = NOT_LEADING;
        active = null;
        current = null;
        handshakes.set(null);
    }

    /** Asked before every batch: the tenure the link was opened under still holds. */
    private boolean leadsUnderLinkEpoch() {
        OptionalLong leading = gate.leadingEpoch();
        return leading.isPresent() && leading.getAsLong() == linkEpoch;
    }

    private void adopt(TargetSession session, JournalReader reader) {
        cutter.discard();
        window.clear();
        unapplied.forgetAfter(session.resumeSeq);
        reader.seekTo(session.resumeSeq + 1);
        skipThroughSeq = session.resumeSeq;
        active = session;
        if (journal.releasedSeq() > session.resumeSeq) {
            refuseGap(session, journal.releasedSeq() + 1);
        }
    }

    /** Reads durable records into the batch being gathered until it is full or none is left. */
    private void fill(JournalReader reader, long nowNanos) {
        while (cutter.wantsMore()) {
            WriteRecord record = reader.next();
            if (record == null) {
                break;
            }
            if (record.seq() <= skipThroughSeq) {
                record.release();
                continue;
            }
            cutter.add(record, nowNanos);
        }
    }

    /** Sends {@code cut} on {@code session}; returns the frame bytes written (0 when the connection was refused). */
    private long ship(BatchCutter.Cut cut, TargetSession session) {
        BatchAssembler.Assembled assembled;
        try {
            if (cut.firstSeq() != session.lastSentSeq + 1) {
                refuseGap(session, cut.firstSeq());
                return 0;
            }
            assembled = BatchAssembler.assemble(identity.cgId(), cut, session.lz4, session.channel.alloc());
        } finally {
            cut.release();
        }
        long firstSeq = assembled.batch().firstSeq();
        long lastSeq = assembled.batch().lastSeq();
        int frameBytes = FrameCodec.encodedLength(assembled.batch());
        // Everything an ack may look at is in place before the batch can reach the target.
        window.add(lastSeq, frameBytes);
        unapplied.shipped(firstSeq, lastSeq, assembled.batch().oldestTimestampMicros(), cut.bytes());
        session.lastSentSeq = lastSeq;
        lastSentSeq = lastSeq;
        metrics.shipped(assembled.recordCount(), assembled.bodyBytes(), assembled.batch().body().readableBytes(),
                frameBytes, assembled.coalesced().droppedWrites(), assembled.coalesced().droppedBytes());
        session.channel.writeAndFlush(assembled.batch(), session.channel.voidPromise());
        CrashPoint.reached(CrashPoint.Point.SOURCE_BATCH_SENT);
        return frameBytes;
    }

    /**
     * The journal cannot continue where the target stands (it released those records, or never had
     * them): shipping would leave a hole in the replica. Only a resync can fill it; until then the
     * connection is refused, and retried with a growing backoff.
     */
    private void refuseGap(TargetSession session, long firstSeq) {
        String message = "cg " + identity.cgLabel() + ": the target holds up to seq " + session.lastSentSeq
                + " but the source journal continues at seq " + firstSeq + " (released up to "
                + journal.releasedSeq() + "): the replica needs a resync";
        metrics.gapFound(message);
        LOG.error(message);
        cutter.discard();
        active = null;
        session.channel.writeAndFlush(ErrorFrame.of(ErrorCode.SEQ_GAP, message))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant());
    }

    /**
     * The target has everything up to {@code seq} durably: move the shipped seq, and release the journal unless it is
     * released as the target applies.
     */
    private void targetHolds(long seq) {
        if (seq <= shippedSeq) {
            return;
        }
        shippedSeq = seq;
        if (!releaseAtApplied) {
            release(seq);
        }
    }

    /** Asks the journal's owner to release up to {@code seq} (never past the journal's durable seq). */
    private void release(long seq) {
        long releasable = Math.min(seq, journal.durableSeq());
        if (releasable > journal.releasedSeq()) {
            releaseRequest.accept(releasable);
            CrashPoint.reached(CrashPoint.Point.SOURCE_TARGET_ACK_PROCESSED);
        }
    }

    /** Called on the link's event loop. */
    private final class Events implements LinkEvents {
        /** This connection's target is to report what a discard must resync, as its first frame after HELLO_ACK. */
        private boolean reportExpected;

        /**
         * Hands the target's report on (disk I/O on the event loop, once per discard); a failure leaves the report
         * awaited, so the next connection asks again.
         */
        private void report(ResyncRegions regions) {
            reportExpected = false;
            DiscardReports reports = discardReports;
            try {
                reports.reported(regions);
            } catch (IOException e) {
                LOG.error("cg {}: cannot keep the target's report of what to resync; asked again at the next "
                        + "connection: {}", identity.cgLabel(), e.toString());
            }
        }

        /** Another frame came first: the target has no report (it kept none), so the whole disks are owed. */
        private void noReportCame() {
            if (reportExpected) {
                LOG.warn("cg {}: the target sent no RESYNC_REGIONS after taking the discarding generation: the tap "
                        + "resyncs its whole disks", identity.cgLabel());
                report(ResyncRegions.everything(identity.cgId()));
            }
        }

        @Override
        public void resyncRegions(ResyncRegions regions) throws ProtocolException {
            if (regions.cg() != identity.cgId()) {
                throw new ProtocolException(ErrorCode.WRONG_PAIR, "RESYNC_REGIONS for cg "
                        + Integer.toUnsignedString(regions.cg()) + " on the connection of cg " + identity.cgLabel());
            }
            if (reportExpected) {
                report(regions);
            } // else already kept: the target sends it after each HELLO_ACK until the resync ends
        }

        @Override
        public Hello hello() {
            return generations.hello(helloTemplate, journal.durableSeq()).withEpoch(linkEpoch);
        }

        @Override
        public void refused(Hello sent, ErrorFrame error) {
            generations.refusedByTarget(error.code(), sent, error.message());
        }

        @Override
        public TargetSession handshaken(Channel channel, Hello sent, HelloAck ack, Handshake.Agreement agreement)
                throws ProtocolException {
            generations.accept(sent, ack);
            releaseAtApplied = agreement.has(Feature.APPLIED_ACKS);
            boolean lz4 = config.compressionEnabled() && agreement.has(Feature.LZ4_BATCHES);
            TargetSession session = new TargetSession(channel, ack.resumeSeq(), lz4);
            LOG.info("cg {}: connected to target {} ({}), resuming after seq {}{}", identity.cgLabel(), config.target(),
                    ack.receiverId(), ack.resumeSeq(), lz4 ? ", LZ4 batches" : "");
            targetHolds(ack.resumeSeq());
            DiscardReports reports = discardReports;
            reportExpected = reports != null && reports.awaitingReport();
            current = session;
            handshakes.set(session);
            LockSupport.unpark(thread);
            return session;
        }

        @Override
        public void acknowledged(TargetSession session, Ack ack) throws ProtocolException {
            noReportCame();
            if (ack.cg() != identity.cgId()) {
                throw new ProtocolException(ErrorCode.WRONG_PAIR, "ack for cg " + Integer.toUnsignedString(ack.cg())
                        + " on the connection of cg " + identity.cgLabel());
            }
            if (ack.seq() > session.lastSentSeq) {
                throw new ProtocolException(ErrorCode.SEQ_GAP, "cg " + identity.cgLabel() + ": " + ack.scope()
                        + " ack of seq " + ack.seq() + " beyond seq " + session.lastSentSeq + " shipped so far");
            }
            // APPLIED implies DURABLE: the target applies only what it spooled durably.
            if (window.acknowledgedThrough(ack.seq()) > 0) {
                session.acknowledgedDurable = true;
                LockSupport.unpark(thread);
            }
            targetHolds(ack.seq());
            if (ack.scope() == AckScope.APPLIED) {
                targetApplied(ack.seq());
            }
        }

        /** From APPLIED acks and the target's heartbeats (one answers the heartbeat sent at each handshake). */
        @Override
        public void targetApplied(long seq) {
            noReportCame();
            if (seq > appliedSeq) {
                appliedSeq = seq;
                unapplied.appliedThrough(seq);
                appliedListener.accept(seq);
            }
            if (releaseAtApplied) {
                release(Math.min(seq, shippedSeq)); // never past what this connection's target acknowledged
            }
        }

        @Override
        public void verifyAnswered(VerifyAnswer answer) {
            verifyAnswers.accept(answer);
        }

        @Override
        public void disconnected(Channel channel) {
            TargetSession session = current;
            if (session != null && session.channel == channel) {
                current = null;
                reportExpected = false; // still awaited: the next connection's target sends it
                LOG.info("cg {}: disconnected from target {} at shipped seq {}", identity.cgLabel(), config.target(),
                        shippedSeq);
            }
            LockSupport.unpark(thread);
        }

        /**
         * What heartbeats tell the target: the journal's durable seq (acknowledged to the tap), at least the seq sent,
         * so that a target failed over after this site is lost can say how far the source had got.
         */
        @Override
        public long lastSentSeq() {
            return Math.max(lastSentSeq, journal.durableSeq());
        }

        @Override
        public long bytesInFlight() {
            return window.bytes();
        }
    }
}
