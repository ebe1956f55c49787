package io.datamover.gateway.source;

import io.datamover.protocol.Frame;
import io.datamover.protocol.VerifyAnswer;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matches the online-verify answers of this gateway's taps and targets to the requests it sent them, by request id:
 * an answer counts only from the peer and the group it was asked of; one nobody waits for any more (it came after
 * its deadline) is logged and dropped. A lost connection fails the requests waiting on it at once.
 */
final class VerifyExchange {
    private static final Logger LOG = LoggerFactory.getLogger(VerifyExchange.class);

    /** Who was asked. */
    enum Peer {
        TAP("tap"), TARGET("target gateway");

        private final String text;

        Peer(String text) {
            this.text = text;
        }
    }

    private record Pending(Peer peer, int cg, CompletableFuture<VerifyAnswer> answer) {}

    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();

    /**
     * Sends {@code peer} of group {@code cg} the request {@code build} makes with a fresh request id, through
     * {@code send} (false: not connected), and returns its answer.
     *
     * @throws IOException not connected, a refusal (its reason), no answer within {@code timeout}, or the connection
     *     lost meanwhile
     */
    VerifyAnswer ask(Peer peer, int cg, LongFunction<Frame> build, Predicate<Frame> send, Duration timeout)
            throws IOException, InterruptedException {
        long id = ids.incrementAndGet();
        Pending waiting = new Pending(peer, cg, new CompletableFuture<>());
        pending.put(id, waiting);
        String group = "consistency group " + Integer.toUnsignedString(cg);
        try {
            if (!send.test(build.apply(id))) {
                throw new IOException("the " + peer.text + " of " + group + " is not connected to this source "
                        + "gateway");
            }
            VerifyAnswer answer = waiting.answer().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (answer.refused()) {
                throw new IOException("the " + peer.text + " of " + group + " refused: " + answer.message());
            }
            return answer;
        } catch (TimeoutException e) {
            throw new IOException("no answer from the " + peer.text + " of " + group + " within " + timeout.toSeconds()
                    + " s");
        } catch (ExecutionException e) {
            throw new IOException("the " + peer.text + " of " + group + ": " + e.getCause().getMessage());
        } finally {
            pending.remove(id);
        }
    }

    /** An answer from {@code peer} of group {@code cg}: completes its request. */
    void answered(Peer peer, int cg, VerifyAnswer answer) {
        Pending waiting = pending.get(answer.requestId());
        if (waiting == null || waiting.peer() != peer || waiting.cg() != cg || answer.cg() != cg) {
            LOG.warn("cg {}: dropped a VERIFY_ANSWER of request {} from the {}: no such request waits for it (too "
                    + "late?)", Integer.toUnsignedString(cg), answer.requestId(), peer.text);
            return;
        }
        waiting.answer().complete(answer);
    }

    /** The connection to {@code peer} of group {@code cg} is gone: what waited on it will not be answered. */
    void disconnected(Peer peer, int cg) {
        pending.values().stream().filter(waiting -> waiting.peer() == peer && waiting.cg() == cg)
                .forEach(waiting -> waiting.answer().completeExceptionally(
                        new IOException("the connection was lost before it answered")));
    }
}
