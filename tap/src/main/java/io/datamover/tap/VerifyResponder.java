package io.datamover.tap;

import io.datamover.disk.Extent;
import io.datamover.protocol.Frame;
import io.datamover.protocol.VerifyAnswer;
import io.datamover.protocol.VerifyRepair;
import io.datamover.protocol.VerifyRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tap's side of an online verify, asked by its source gateway over their link (docs/operations.md, "Online
 * verify"): a VERIFY_REQUEST is answered with the digests of the source disk's regions ({@link Tap#regionDigests}),
 * the stream's stretch around the read and the last seq after it; a VERIFY_REPAIR marks its ranges for the region
 * resync ({@link Tap#resyncRegions}). Disk reads stay off the link's event loop: one thread, and at most
 * {@value #QUEUED} requests waiting for it (a gateway asks one at a time; more are refused).
 */
public final class VerifyResponder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VerifyResponder.class);
    static final int QUEUED = 4;

    private final Tap tap;
    private final ThreadPoolExecutor reader = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUED), Thread.ofPlatform().name("tap-verify").daemon(true).factory());

    public VerifyResponder(Tap tap) {
        this.tap = tap;
    }

    /** Completes with the answer to {@code request} (a VERIFY_REQUEST or VERIFY_REPAIR), a refusal when it fails. */
    public CompletableFuture<VerifyAnswer> answer(Frame request) {
        try {
            return CompletableFuture.supplyAsync(() -> answerNow(request), reader);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(VerifyAnswer.refusing(request, "the tap is busy with " + QUEUED
                    + " verify requests already"));
        }
    }

    private VerifyAnswer answerNow(Frame request) {
        try {
            return switch (request) {
                case VerifyRequest asked -> digests(asked);
                case VerifyRepair repair -> repair(repair);
                default -> throw new IllegalArgumentException(request.type() + " is not a verify request");
            };
        } catch (IOException | RuntimeException e) {
            LOG.warn("online verify: {} refused: {}", request.type(), e.toString());
            return VerifyAnswer.refusing(request, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private VerifyAnswer digests(VerifyRequest asked) throws IOException {
        checkGroup(asked.cg());
        SourceDigests read = tap.regionDigests(diskName(asked.disk()), asked.offset(), asked.regionBytes(),
                asked.count());
        return VerifyAnswer.digests(asked.requestId(), asked.cg(), read.streamed(),
                Math.max(0, read.streamingStretch()), read.lastSeq(), read.span().bytesRead(), read.span().digests());
    }

    private VerifyAnswer repair(VerifyRepair repair) throws IOException {
        checkGroup(repair.cg());
        List<Extent> ranges = new ArrayList<>(repair.ranges().size());
        repair.ranges().forEach(range -> ranges.add(new Extent(range.offset(), range.length())));
        tap.resyncRegions(diskName(repair.disk()), ranges);
        return VerifyAnswer.done(repair.requestId(), repair.cg());
    }

    private void checkGroup(int cg) {
        if (Integer.toUnsignedLong(cg) != tap.config().consistencyGroupId()) {
            throw new IllegalArgumentException("this tap serves consistency group " + tap.config().consistencyGroupId()
                    + ", not " + Integer.toUnsignedString(cg));
        }
    }

    /** The disk a frame's id names: its position in the tap's configuration, as in the HELLO. */
    private String diskName(int id) {
        List<String> names = new ArrayList<>(tap.diskSizes().keySet());
        if (id < 0 || id >= names.size()) {
            throw new IllegalArgumentException("no disk " + Integer.toUnsignedString(id) + " in this tap's group");
        }
        return names.get(id);
    }

    @Override
    public void close() {
        reader.shutdownNow();
    }
}
