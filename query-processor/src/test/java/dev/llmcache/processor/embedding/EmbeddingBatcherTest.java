package dev.llmcache.processor.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.processor.llm.EmbeddingCall;
import dev.llmcache.processor.llm.Embeddings;
import dev.llmcache.processor.llm.LlmCallException;
import dev.llmcache.processor.llm.LlmClient;
import dev.llmcache.processor.llm.LlmStreamEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

class EmbeddingBatcherTest {

    /** A window that never ends by itself: the tests end it by hand. */
    private final EmbeddingBatcher batcher = new EmbeddingBatcher(Duration.ofHours(1), 3, Schedulers.single());
    private final RecordingClient client = new RecordingClient();

    /** Answers each input with a one-element vector: its length; counts 10 tokens per call. */
    private static final class RecordingClient implements LlmClient {
        final List<EmbeddingCall> calls = new CopyOnWriteArrayList<>();
        volatile boolean failing;

        @Override
        public Flux<LlmStreamEvent> stream(tools.jackson.databind.node.ObjectNode request) {
            return Flux.empty();
        }

        @Override
        public Mono<Embeddings> embed(EmbeddingCall call) {
            calls.add(call);
            if (failing) {
                return Mono.error(new LlmCallException(ErrorInfo.upstream("down")));
            }
            return Mono.just(new Embeddings(call.inputs().stream()
                    .map(input -> new float[] {input.stringValue().length()}).toList(), 10));
        }
    }

    private Mono<EmbeddingBatcher.Embedded> embed(String text, Integer dimensions) {
        return batcher.embed("p", client::embed, "m", dimensions, text(text));
    }

    private static JsonNode text(String text) {
        return JsonNodeFactory.instance.stringNode(text);
    }

    @Test
    void theWindowEndsByItself() {
        EmbeddingBatcher quick = new EmbeddingBatcher(Duration.ofMillis(30), 100, Schedulers.single());
        var a = quick.embed("p", client::embed, "m", null, text("a")).toFuture();
        var b = quick.embed("p", client::embed, "m", null, text("b")).toFuture();

        assertThat(a.orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join().vector()).containsExactly(1f);
        assertThat(b.join().vector()).containsExactly(1f);
        assertThat(client.calls).hasSize(1);
    }

    @Test
    void inputsArrivingWithinTheWindowGoUpstreamInOneCall() {
        var a = embed("a", null).toFuture();
        var bb = embed("bb", null).toFuture();
        assertThat(client.calls).isEmpty();

        batcher.flushNow(client::embed);

        assertThat(client.calls).singleElement()
                .satisfies(call -> assertThat(call.inputs()).containsExactly(text("a"), text("bb")));
        assertThat(a.join().vector()).containsExactly(1f);
        assertThat(bb.join().vector()).containsExactly(2f);
    }

    @Test
    void eachInputGetsAShareOfTheCallsTokensByItsLength() {
        var a = embed("a", null).toFuture();
        var bbbb = embed("bbbb", null).toFuture();
        batcher.flushNow(client::embed);

        assertThat(a.join().promptTokens()).isEqualTo(2);
        assertThat(bbbb.join().promptTokens()).isEqualTo(8);
    }

    @Test
    void tokenIdsAndTextsAreSeparateCalls() {
        embed("a", null).subscribe();
        batcher.embed("p", client::embed, "m", null, JsonNodeFactory.instance.arrayNode().add(1)).subscribe(v -> { },
                e -> { });
        batcher.flushNow(client::embed);

        assertThat(client.calls).hasSize(2);
    }

    @Test
    void differentDimensionsAreSeparateCalls() {
        embed("a", 8).subscribe();
        embed("b", 16).subscribe();
        batcher.flushNow(client::embed);

        assertThat(client.calls).extracting(EmbeddingCall::dimensions).containsExactlyInAnyOrder(8, 16);
    }

    @Test
    void aFullBatchGoesAtOnceAndTheNextOpensANewOne() {
        embed("a", null).subscribe();
        embed("b", null).subscribe();
        embed("c", null).subscribe();
        assertThat(client.calls).hasSize(1);

        embed("d", null).subscribe();
        batcher.flushNow(client::embed);

        assertThat(client.calls).hasSize(2);
        assertThat(client.calls.get(1).inputs()).containsExactly(text("d"));
    }

    @Test
    void aFailedCallFailsEveryInputOfIt() {
        client.failing = true;
        var a = embed("a", null).toFuture();
        var b = embed("b", null).toFuture();
        batcher.flushNow(client::embed);

        assertThat(a).failsWithin(Duration.ofSeconds(1)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(LlmCallException.class);
        assertThat(b).failsWithin(Duration.ofSeconds(1)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(LlmCallException.class);
        assertThat(client.calls).hasSize(1);
    }
}
