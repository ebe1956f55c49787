package io.datamover.gateway.source;

import io.datamover.protocol.DiskInfo;
import io.datamover.protocol.Frame;
import io.datamover.protocol.VerifyAnswer;
import io.datamover.protocol.VerifyRepair;
import io.datamover.protocol.VerifyRequest;
import io.datamover.gateway.source.receiver.TapLink;
import io.datamover.gateway.source.ship.Shipper;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * An online verify of one consistency group as its source gateway runs it (docs/operations.md, "Online verify"): the
 * group's tap digests the source disks and resyncs what is repaired, over the tap's link; the target gateway digests
 * the replicas, over the mutually authenticated link the group ships on. Only digests cross between the sites. Each
 * call blocks until its answer; a refusal, a lost connection or no answer in time is an {@link IOException}.
 */
public final class VerifyLink {
    /** A tap reads at most 8 MiB per request, behind at most a few other requests. */
    static final Duration TAP_ANSWER = Duration.ofSeconds(60);
    /** The target waits up to a minute for its replicas to apply the seq, then reads. */
    static final Duration TARGET_ANSWER = Duration.ofMinutes(3);

    private final CgIdentity identity;
    private final Supplier<TapLink> tap;
    private final Shipper shipper;
    private final VerifyExchange exchange;

    VerifyLink(CgIdentity identity, Supplier<TapLink> tap, Shipper shipper, VerifyExchange exchange) {
        this.identity = identity;
        this.tap = tap;
        this.shipper = shipper;
        this.exchange = exchange;
    }

    /** The group's disks, as its tap declared them (ids, names, sizes). */
    public List<DiskInfo> disks() {
        return identity.disks();
    }

    /** The source's digests of {@code count} regions of {@code disk} from {@code offset}, read by the tap now. */
    public VerifyAnswer source(int disk, long offset, int regionBytes, int count)
            throws IOException, InterruptedException {
        return exchange.ask(VerifyExchange.Peer.TAP, identity.cgId(),
                id -> new VerifyRequest(id, identity.cgId(), disk, offset, regionBytes, count, 0), this::sendToTap,
                TAP_ANSWER);
    }

    /** The replica's digests of the same regions, once the target applied at least {@code minSeq}. */
    public VerifyAnswer replica(int disk, long offset, int regionBytes, int count, long minSeq)
            throws IOException, InterruptedException {
        return exchange.ask(VerifyExchange.Peer.TARGET, identity.cgId(),
                id -> new VerifyRequest(id, identity.cgId(), disk, offset, regionBytes, count, minSeq),
                shipper::sendVerify, TARGET_ANSWER);
    }

    /** Has the tap resync {@code ranges} of {@code disk}; returns once it marked them durably. */
    public void repair(int disk, List<VerifyRepair.Range> ranges) throws IOException, InterruptedException {
        for (int from = 0; from < ranges.size(); from += VerifyRepair.MAX_RANGES) {
            List<VerifyRepair.Range> part = ranges.subList(from,
                    Math.min(ranges.size(), from + VerifyRepair.MAX_RANGES));
            exchange.ask(VerifyExchange.Peer.TAP, identity.cgId(),
                    id -> new VerifyRepair(id, identity.cgId(), disk, part), this::sendToTap, TAP_ANSWER);
        }
    }

    private boolean sendToTap(Frame request) {
        TapLink link = tap.get();
        return link != null && link.sendVerify(request);
    }
}
