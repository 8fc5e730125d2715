package dev.llmcache.ingest.reply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheOutcome;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

class PendingRepliesTest {

    private final ExecutorService eventLoop = Executors.newSingleThreadExecutor(r -> new Thread(r, "event-loop"));
    private final PendingReplies pending = new PendingReplies(2);

    @AfterEach
    void tearDown() {
        eventLoop.shutdownNow();
    }

    @Test
    void answersArriveInOrderOnTheRequestsOwnThreadAndEndWithTheTerminalOne() throws Exception {
        AtomicReference<String> emittedOn = new AtomicReference<>();
        CompletableFuture<List<Answer>> answers = register("r1", eventLoop)
                .doOnNext(a -> emittedOn.set(Thread.currentThread().getName())).collectList().toFuture();

        pending.deliver(chunk("r1", "Hel", 0));
        pending.deliver(chunk("r1", "lo", 3));
        pending.deliver(done("r1"));

        List<Answer> received = answers.get(5, TimeUnit.SECONDS);
        assertThat(received).extracting(Answer::type)
                .containsExactly(Answer.Type.CHUNK, Answer.Type.CHUNK, Answer.Type.DONE);
        assertThat(received).extracting(Answer::delta).containsExactly("Hel", "lo", null);
        assertThat(emittedOn.get()).isEqualTo("event-loop");
        assertThat(pending.size()).as("the terminal answer frees the slot").isZero();
    }

    @Test
    void aSharedChunkReachesEveryRecipientAndAnswersForNobodyAreDropped() {
        Flux<Answer> first = register("a", eventLoop);
        Flux<Answer> second = register("b", Runnable::run);

        pending.deliver(Answer.sharedChunk(List.of("a", "b", "gone"), "key", "m", "x", 0));
        pending.deliver(done("a"));
        pending.deliver(done("b"));

        assertThat(first.collectList().block(Duration.ofSeconds(5))).hasSize(2);
        assertThat(second.collectList().block(Duration.ofSeconds(5))).hasSize(2);
    }

    @Test
    void aReleasedRequestStopsReceivingAndFreesItsSlot() {
        Flux<Answer> answers = register("r1", eventLoop);
        pending.release("r1");
        pending.deliver(chunk("r1", "late", 0));

        assertThat(answers.collectList().block(Duration.ofSeconds(5))).isEmpty();
        assertThat(pending.size()).isZero();
    }

    @Test
    void refusesAClientRequestIdAlreadyInFlightHereAndRequestsBeyondCapacity() {
        register("r1", eventLoop);
        assertThatThrownBy(() -> pending.register("another-reply-id", "client-r1", "key", eventLoop))
                .isInstanceOf(PendingReplies.DuplicateRequestIdException.class);
        register("r2", eventLoop);
        assertThatThrownBy(() -> register("r3", eventLoop))
                .isInstanceOf(PendingReplies.OverloadedException.class);
    }

    @Test
    void aClientRequestIdIsFreeAgainOnceItsRequestEnded() {
        register("r1", eventLoop);
        pending.deliver(done("r1"));

        assertThat(pending.register("r1-again", "client-r1", "key", eventLoop)).isNotNull();
    }

    @Test
    void answersGoByReplyIdAndOnlyForTheCacheKeyTheRequestAskedFor() {
        Flux<Answer> mine = pending.register("reply-1", "same-client-id", "key", eventLoop);

        pending.deliver(Answer.chunk("reply-1", "another-key", CacheOutcome.MISS, "m", "not mine", 0));
        pending.deliver(Answer.chunk("same-client-id", "key", CacheOutcome.MISS, "m", "not mine either", 0));
        pending.deliver(chunk("reply-1", "mine", 0));
        pending.deliver(done("reply-1"));

        assertThat(mine.collectList().block(Duration.ofSeconds(5))).extracting(Answer::delta)
                .containsExactly("mine", null);
    }

    /** A request whose reply id is {@code replyId}, client request id {@code client-<replyId>}, key {@code key}. */
    private Flux<Answer> register(String replyId, java.util.concurrent.Executor deliverOn) {
        return pending.register(replyId, "client-" + replyId, "key", deliverOn);
    }

    private static Answer chunk(String requestId, String delta, int at) {
        return Answer.chunk(requestId, "key", CacheOutcome.MISS, "m", delta, at);
    }

    private static Answer done(String requestId) {
        return Answer.done(requestId, "key", CacheOutcome.MISS, "m", "Hello", "stop", null, 0, null);
    }
}
