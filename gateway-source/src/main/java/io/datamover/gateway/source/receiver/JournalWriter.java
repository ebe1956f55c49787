package io.datamover.gateway.source.receiver;

import io.datamover.gateway.source.journal.AppendResult;
import io.datamover.gateway.source.journal.Journal;
import io.datamover.gateway.source.journal.JournalConfig;
import io.datamover.gateway.source.journal.JournalStorageException;
import io.datamover.gateway.source.journal.JournalWriteException;
import io.datamover.gateway.source.journal.OutOfSequenceException;
import io.datamover.protocol.CrashPoint;
import io.datamover.protocol.ErrorCode;
import io.datamover.protocol.FrameCodec;
import io.datamover.protocol.ProtocolException;
import io.datamover.protocol.WriteRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.InstantSource;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owner thread of one consistency group's journal. Tap sessions hand it records, the shipper hands it
 * releases; it appends, then commits the group with one sync and acknowledges the tap up to the durable seq.
 * Everything queued at the moment of a sync is covered by it, so the busier the tap, the more records each
 * fdatasync covers (group commit). The sync runs on the journal's sync thread while this thread appends the
 * next group (pipelined); a group is acknowledged only once its sync is done.
 *
 * <p>The queue is bounded in bytes: {@link #append} says when it is over the bound, the session stops
 * reading its socket, and this thread resumes it once the queue is half empty.
 *
 * <p>An append the disk refuses (full, or an I/O error) refuses the tap, which goes to bitmap mode, and the journal
 * is tried again after a backoff ({@link JournalOutage}). Any other failure stops this thread for good: the tap is
 * refused with STORAGE_FAILURE, the journal stays open for the shipper, and the group is told, to be reopened.
 */
public final class JournalWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JournalWriter.class);
    /** Records appended before a sync is forced even if more are queued, so acks keep flowing. */
    static final int MAX_RECORDS_PER_COMMIT = 4096;
    private static final long IDLE_POLL_MS = 50;

    private sealed interface Command {}

    private record Append(WriteRecord record, TapLink from, int bytes) implements Command {}

    private record Attach(TapLink link, CompletableFuture<Long> resumeSeq) implements Command {}

    private record Detach(TapLink link) implements Command {}

    private final String cg;
    private final JournalConfig config;
    private final long maxQueuedBytes;
    private final LongConsumer durableListener;
    private final BlockingQueue<Command> commands = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicReference<TapLink> pausedLink = new AtomicReference<>();
    private final AtomicLong releaseRequested = new AtomicLong();
    private final CompletableFuture<Journal> opened = new CompletableFuture<>();
    private final Thread thread;
    private final Counter recordsRefused;
    private final MeterRegistry registry;
    private final Gauge queuedGauge;
    private final JournalOutage outage;
    private final Runnable failedListener;
    /** Why this thread stopped on an unexpected failure; null while it runs. */
    private volatile String failure;
    private volatile boolean closing;
    /** Set by the owner thread as it exits (closed or failed): nothing will take commands any more. */
    private volatile boolean stopped;

    // Owner thread only.
    private Journal journal;
    private TapLink tap;
    private TapLink refusedTap;
    private long ackedToTap;
    private long released;
    /** Durable seq last given to the durable listener. */
    private long announcedDurable;

    private JournalWriter(String cg, JournalConfig config, long maxQueuedBytes, LongConsumer durableListener,
            Runnable failedListener, MeterRegistry registry, InstantSource clock) {
        this.cg = cg;
        this.failedListener = failedListener;
        this.outage = new JournalOutage(cg, clock, registry);
        this.config = config;
        this.maxQueuedBytes = maxQueuedBytes;
        this.durableListener = durableListener;
        this.registry = registry;
        Tags tags = Tags.of("cg", cg);
        this.recordsRefused = registry.counter("datamover.source.records.refused", tags);
        this.queuedGauge = Gauge.builder("datamover.source.journal.queue.bytes", queuedBytes, AtomicLong::get)
                .tags(tags).register(registry);
        this.thread = Thread.ofPlatform().name("journal-cg-" + cg).unstarted(() -> run(registry, clock));
    }

    /**
     * Opens the journal on a new owner thread (recovering it) and starts taking commands.
     *
     * @param maxQueuedBytes bound of records waiting to be appended; over it the tap session stops reading
     * @param durableListener told the new durable seq after every sync that advanced it (wakes the shipper)
     * @param failedListener called on the owner thread when an unexpected failure stopped it ({@link #failure()})
     */
    public static JournalWriter start(String cg, JournalConfig config, long maxQueuedBytes,
            LongConsumer durableListener, Runnable failedListener, MeterRegistry registry, InstantSource clock)
            throws IOException {
        JournalWriter writer = new JournalWriter(cg, config, maxQueuedBytes, durableListener, failedListener,
                registry, clock);
        writer.thread.start();
        try {
            writer.opened.get();
        } catch (ExecutionException e) {
            writer.unregister();
            throw new IOException("cannot open the journal of cg " + cg + " in " + config.directory() + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            writer.close();
            throw new InterruptedIOException("interrupted while opening the journal of cg " + cg);
        }
        return writer;
    }

    /** The journal, for the shipper to open its reader on its own thread and to read the durable seq. */
    public Journal journal() {
        return opened.join();
    }

    /**
     * Makes {@code link} the group's tap (after syncing what is appended) and completes with the seq the tap
     * must continue after.
     */
    public CompletableFuture<Long> attach(TapLink link) {
        CompletableFuture<Long> resume = new CompletableFuture<>();
        submit(new Attach(link, resume));
        return resume;
    }

    /** The tap's connection is gone: no more acks or resumes for it. */
    public void detach(TapLink link) {
        submit(new Detach(link));
    }

    /**
     * Queues the next record of {@code from} (ownership passes here).
     *
     * @return false when the queue is over its bound: stop reading until {@link TapLink#resumeReading()}
     */
    public boolean append(WriteRecord record, TapLink from) {
        int bytes = FrameCodec.encodedLength(record);
        long queued = queuedBytes.addAndGet(bytes);
        submit(new Append(record, from, bytes));
        if (queued > maxQueuedBytes) {
            pausedLink.set(from);
            return false;
        }
        return true;
    }

    /** The target holds everything up to {@code seq} durably: its journal space may be given back. */
    public void release(long seq) {
        releaseRequested.accumulateAndGet(seq, Math::max);
    }

    private void submit(Command command) {
        if (closing || stopped) {
            discard(command);
            return;
        }
        commands.add(command);
        if (stopped) {
            drainUnprocessed(); // the owner exited between the check and the add: nobody else will
        }
    }

    /** A command the owner thread will not run: its record is freed, its attach fails. */
    private void discard(Command command) {
        switch (command) {
            case Append a -> {
                a.record().release();
                queuedBytes.addAndGet(-a.bytes());
            }
            case Attach a -> a.resumeSeq().completeExceptionally(failure == null
                    ? new ProtocolException(ErrorCode.SHUTTING_DOWN, "the gateway is shutting down")
                    : new ProtocolException(ErrorCode.STORAGE_FAILURE, "the source gateway's journal of cg " + cg
                            + " failed (" + failure + "); it is being reopened"));
            case Detach d -> { }
        }
    }

    private void run(MeterRegistry registry, InstantSource clock) {
        try {
            journal = Journal.open(config, registry, clock);
            released = journal.releasedSeq();
            announcedDurable = journal.durableSeq();
            opened.complete(journal);
        } catch (RuntimeException | Error | JournalStorageException e) {
            opened.completeExceptionally(e);
            return;
        }
        try {
            loop();
        } catch (RuntimeException | Error e) {
            failure = String.valueOf(e);
            LOG.error("cg {}: the journal's owner thread failed, refusing the tap's records until the group is "
                    + "reopened", cg, e);
            if (tap != null) {
                tap.refuse(new ProtocolException(ErrorCode.STORAGE_FAILURE, "the source gateway's journal failed: "
                        + e.getMessage()));
            }
        } finally {
            stopped = true; // from here on submitters discard what they bring (a failed journal takes nothing)
            drainUnprocessed();
        }
        try {
            if (failure != null) {
                failedListener.run();
                while (!closing) {
                    LockSupport.park(this); // the shipper still reads the journal until the group closes both
                    Thread.interrupted(); // only close() ends the wait: a stray interrupt must not make it spin
                }
            }
        } finally {
            journal.close();
        }
    }

    private void loop() {
        while (!closing) {
            Command first = next();
            int appended = 0;
            for (Command c = first; c != null; c = appended < MAX_RECORDS_PER_COMMIT ? commands.poll() : null) {
                if (execute(c)) {
                    appended++;
                }
            }
            // Pipelined group commit: this group syncs on the journal's sync thread while the next one is
            // appended; the acks it allows are published once it is done (here or in next()).
            journal.startSync();
            publish();
        }
        // Closing: what is already queued is appended and made durable, so nothing acknowledged-in-flight is lost.
        for (Command c = commands.poll(); c != null; c = commands.poll()) {
            execute(c);
        }
        commit();
    }

    /**
     * The next command. When none is queued, the sync in flight is waited for and its acks published first,
     * so acks never wait for more traffic.
     */
    private Command next() {
        Command queued = commands.poll();
        if (queued != null) {
            return queued;
        }
        journal.awaitSync();
        publish();
        try {
            return commands.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            closing = true;
            return null;
        }
    }

    /** Runs one command; true when it appended a record. */
    private boolean execute(Command command) {
        switch (command) {
            case Append a -> {
                queuedBytes.addAndGet(-a.bytes());
                try {
                    return append(a);
                } finally {
                    a.record().release();
                }
            }
            case Attach a -> {
                long resume = journal.sync();
                tap = a.link();
                refusedTap = null;
                ackedToTap = resume;
                a.resumeSeq().complete(resume);
            }
            case Detach d -> {
                if (tap == d.link()) {
                    tap = null;
                }
                pausedLink.compareAndSet(d.link(), null);
            }
        }
        return false;
    }

    private boolean append(Append a) {
        if (a.from() != tap || a.from() == refusedTap) {
            recordsRefused.increment(); // after a refusal, the tap's dirty bits cover these
            return false;
        }
        if (outage.waiting()) {
            refuse(a.from(), outage.refusal());
            return false;
        }
        if (outage.failing()) {
            releaseAcknowledged(); // the space the target's acks give back comes first, or the retry may fail for nothing
        }
        try {
            if (journal.append(a.record()) == AppendResult.APPENDED) {
                outage.succeeded();
                return true;
            }
            refuse(a.from(), new ProtocolException(ErrorCode.JOURNAL_FULL, "the source journal of cg " + cg
                    + " is full (" + journal.retainedBytes() + " of " + config.maxBytes()
                    + " bytes): switch to bitmap mode; seq " + a.record().seq() + " and later were not journaled"));
        } catch (OutOfSequenceException e) {
            refuse(a.from(), new ProtocolException(ErrorCode.SEQ_GAP, "cg " + cg + ": " + e.getMessage()));
        } catch (JournalWriteException e) {
            outage.failed(e);
            refuse(a.from(), outage.refusal());
        }
        return false;
    }

    private void refuse(TapLink link, ProtocolException why) {
        commit(); // acknowledge what is journaled before the refusal closes the connection, so those bits clear
        recordsRefused.increment();
        refusedTap = link;
        LOG.warn("cg {}: refusing the tap's records: {}", cg, why.getMessage());
        link.refuse(why);
    }

    /** One sync for everything appended since the last, waited for, then the acks it allows. */
    private void commit() {
        journal.sync();
        publish();
    }

    /** Gives back what the target acknowledged (the shipper's requests), as far as it is durable. */
    private void releaseAcknowledged() {
        long releasable = Math.min(releaseRequested.get(), journal.durableSeq());
        if (releasable > released) {
            journal.release(releasable);
            released = releasable;
        }
    }

    /** Acks, the release and the wake-up that the durable seq allows now. */
    private void publish() {
        long durable = journal.durableSeq();
        if (tap != null && tap != refusedTap && durable > ackedToTap) {
            CrashPoint.reached(CrashPoint.Point.SOURCE_JOURNAL_SYNCED);
            ackedToTap = durable;
            tap.acknowledgeDurable(durable);
        }
        releaseAcknowledged();
        if (durable > announcedDurable) {
            announcedDurable = durable;
            durableListener.accept(durable);
        }
        TapLink paused = pausedLink.get();
        if (paused != null && queuedBytes.get() <= maxQueuedBytes / 2 && pausedLink.compareAndSet(paused, null)) {
            paused.resumeReading();
        }
    }

    private void drainUnprocessed() {
        for (Command c = commands.poll(); c != null; c = commands.poll()) {
            discard(c);
        }
    }

    public long durableSeq() {
        return opened.isDone() && !opened.isCompletedExceptionally() ? opened.join().durableSeq() : 0;
    }

    public long queuedBytes() {
        return queuedBytes.get();
    }

    /** Why the journal's disk refuses appends (full or failing; tried again on its own), or null when it takes them. */
    public String storageError() {
        return outage.lastError();
    }

    /** The unexpected failure that stopped this thread, or null while it runs. */
    public String failure() {
        return failure;
    }

    /** Appends and syncs what is queued, closes the journal on its thread, and waits for that. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            unregister();
        }
    }

    private void unregister() {
        registry.remove(queuedGauge);
        registry.remove(recordsRefused);
        outage.unregister();
    }
}
