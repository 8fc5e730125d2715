package dev.llmcache.processor.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmcache.processor.llm.EmbeddingCall;
import dev.llmcache.processor.llm.Embeddings;
import dev.llmcache.processor.llm.LlmCallException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/** The real model, from its Maven artifact: no upstream, no download. */
class InProcessEmbedderTest {

    private static final InProcessEmbedder EMBEDDER = new InProcessEmbedder(100);

    @AfterAll
    static void close() {
        EMBEDDER.close();
    }

    private static Embeddings embed(Integer dimensions, JsonNode... inputs) {
        return EMBEDDER.embed(new EmbeddingCall("all-minilm-l6-v2", List.of(inputs), dimensions))
                .block(Duration.ofSeconds(60));
    }

    private static JsonNode text(String text) {
        return JsonNodeFactory.instance.stringNode(text);
    }

    @Test
    void aParaphraseIsCloserThanAnotherQuestion() {
        Embeddings embeddings = embed(null, text("What is the capital of France?"),
                text("Tell me the capital city of France"), text("How do I bake sourdough bread?"));

        assertThat(embeddings.vectors()).allSatisfy(v -> assertThat(v).hasSize(InProcessEmbedder.DIMENSIONS));
        float[] question = embeddings.vectors().get(0);
        assertThat(dot(question, question)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(dot(question, embeddings.vectors().get(1))).isGreaterThan(dot(question, embeddings.vectors().get(2)));
        assertThat(embeddings.promptTokens()).isPositive();
    }

    @Test
    void theSameTextGivesTheSameVector() {
        assertThat(embed(null, text("same text")).vectors().get(0))
                .containsExactly(embed(384, text("same text")).vectors().get(0));
    }

    @Test
    void otherDimensionsAndTokenIdsAreRefusedAs400() {
        assertThatThrownBy(() -> embed(128, text("a")))
                .isInstanceOfSatisfying(LlmCallException.class, e -> assertThat(e.error().status()).isEqualTo(400));
        assertThatThrownBy(() -> embed(null, JsonNodeFactory.instance.arrayNode().add(1).add(2)))
                .isInstanceOfSatisfying(LlmCallException.class, e -> assertThat(e.error().status()).isEqualTo(400));
    }

    @Test
    void chatIsRefusedAs400() {
        assertThatThrownBy(() -> EMBEDDER.stream(dev.llmcache.common.serde.Json.MAPPER.createObjectNode()
                .put("model", "all-minilm-l6-v2")).blockLast(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(LlmCallException.class, e -> assertThat(e.error().status()).isEqualTo(400));
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
