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
        CompletableFuture<List<Answer>> answers = pending.register("r1", eventLoop)
                .doOnNext(a -> emittedOn.set(Thread.currentThread().getName())).collectList().toFuture();

        pending.deliver(chunk("r1", "Hel"));
        pending.deliver(chunk("r1", "lo"));
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
        Flux<Answer> first = pending.register("a", eventLoop);
        Flux<Answer> second = pending.register("b", Runnable::run);

        pending.deliver(Answer.sharedChunk(List.of("a", "b", "gone"), "key", "m", "x"));
        pending.deliver(done("a"));
        pending.deliver(done("b"));

        assertThat(first.collectList().block(Duration.ofSeconds(5))).hasSize(2);
        assertThat(second.collectList().block(Duration.ofSeconds(5))).hasSize(2);
    }

    @Test
    void aReleasedRequestStopsReceivingAndFreesItsSlot() {
        Flux<Answer> answers = pending.register("r1", eventLoop);
        pending.release("r1");
        pending.deliver(chunk("r1", "late"));

        assertThat(answers.collectList().block(Duration.ofSeconds(5))).isEmpty();
        assertThat(pending.size()).isZero();
    }

    @Test
    void refusesDuplicateIdsAndRequestsBeyondCapacity() {
        pending.register("r1", eventLoop);
        assertThatThrownBy(() -> pending.register("r1", eventLoop))
                .isInstanceOf(PendingReplies.DuplicateRequestIdException.class);
        pending.register("r2", eventLoop);
        assertThatThrownBy(() -> pending.register("r3", eventLoop))
                .isInstanceOf(PendingReplies.OverloadedException.class);
    }

    private static Answer chunk(String requestId, String delta) {
        return Answer.chunk(requestId, "key", CacheOutcome.MISS, "m", delta);
    }

    private static Answer done(String requestId) {
        return Answer.done(requestId, "key", CacheOutcome.MISS, "m", "Hello", "stop", null, 0, null);
    }
}
