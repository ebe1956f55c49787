package io.datamover.gateway.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datamover.protocol.Frame;
import io.datamover.protocol.VerifyAnswer;
import io.datamover.protocol.VerifyRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The source gateway's matching of online-verify answers to its requests: an answer counts only from the peer and the
 * group asked, by its request id; a refusal, a lost connection, no connection and no answer in time are errors.
 */
class VerifyExchangeTest {
    private static final int CG = 3;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String DIGEST = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private final VerifyExchange exchange = new VerifyExchange();
    private final LinkedBlockingQueue<Frame> sent = new LinkedBlockingQueue<>();

    @Test
    void theAnswerOfTheRequestIsReturned() throws Exception {
        CompletableFuture<VerifyAnswer> asked = ask(VerifyExchange.Peer.TARGET, WAIT);
        VerifyRequest request = (VerifyRequest) sent.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(request.minSeq()).isEqualTo(42);

        exchange.answered(VerifyExchange.Peer.TARGET, CG, answer(request.requestId() + 1)); // no such request
        exchange.answered(VerifyExchange.Peer.TAP, CG, answer(request.requestId())); // asked of the target
        exchange.answered(VerifyExchange.Peer.TARGET, CG + 1, answer(request.requestId())); // another group
        assertThat(asked).isNotDone();

        VerifyAnswer right = answer(request.requestId());
        exchange.answered(VerifyExchange.Peer.TARGET, CG, right);
        assertThat(asked.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(right);
    }

    @Test
    void aRefusalIsAnErrorThatSaysWhy() throws Exception {
        CompletableFuture<VerifyAnswer> asked = ask(VerifyExchange.Peer.TAP, WAIT);
        Frame request = sent.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        exchange.answered(VerifyExchange.Peer.TAP, CG, VerifyAnswer.refusing(request, "no disk 9"));
        assertThat(asked).failsWithin(WAIT).withThrowableThat()
                .withMessageContaining("tap of consistency group 3 refused: no disk 9");
    }

    @Test
    void aLostConnectionFailsWhatWaitsOnIt() throws Exception {
        CompletableFuture<VerifyAnswer> asked = ask(VerifyExchange.Peer.TAP, WAIT);
        sent.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        exchange.disconnected(VerifyExchange.Peer.TARGET, CG); // another link: nothing waits on it
        assertThat(asked).isNotDone();
        exchange.disconnected(VerifyExchange.Peer.TAP, CG);
        assertThat(asked).failsWithin(WAIT).withThrowableThat().withMessageContaining("connection was lost");
    }

    @Test
    void noConnectionAndNoAnswerInTimeAreErrors() throws Exception {
        assertThatThrownBy(() -> exchange.ask(VerifyExchange.Peer.TAP, CG, this::request, frame -> false, WAIT))
                .isInstanceOf(IOException.class).hasMessageContaining("tap of consistency group 3 is not connected");
        assertThatThrownBy(() -> exchange.ask(VerifyExchange.Peer.TARGET, CG, this::request, sent::add,
                Duration.ofMillis(1))).isInstanceOf(IOException.class)
                .hasMessageContaining("no answer from the target gateway");
        // The answer that comes after the deadline finds nothing waiting: dropped.
        VerifyRequest late = (VerifyRequest) sent.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        exchange.answered(VerifyExchange.Peer.TARGET, CG, answer(late.requestId()));
    }

    private CompletableFuture<VerifyAnswer> ask(VerifyExchange.Peer peer, Duration timeout) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return exchange.ask(peer, CG, this::request, sent::add, timeout);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private Frame request(long id) {
        return new VerifyRequest(id, CG, 0, 0, 64 << 10, 1, 42);
    }

    private static VerifyAnswer answer(long id) {
        return VerifyAnswer.digests(id, CG, true, 1, 42, 4096, List.of(DIGEST));
    }
}
