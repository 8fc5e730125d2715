package dev.llmcache.processor.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.embedding.Vectors;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.Usage;
import dev.llmcache.common.semantic.SemanticQuery;
import dev.llmcache.common.semantic.SemanticVector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/** The lookup before an eligible call: a match, or a miss for every reason, never an error. */
class SemanticLookupTest {

    private static final long NOW = 1_000_000;
    private static final String SCOPE = "scope";
    private static final String CACHED = "How do I reset my password?";

    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
    private final SemanticIndex index = new SemanticIndex(100, 1 << 20, clock);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    /** Questions as fixed directions: the cached one, a close rewording, and a far question. */
    private static final Map<String, float[]> VECTORS = Map.of(
            CACHED, new float[] {1, 0, 0},
            "how can i reset my password", new float[] {0.96f, 0.28f, 0},
            "How do I reset my password 2 times?", new float[] {0.97f, 0.24f, 0},
            "What is the capital of Peru?", new float[] {0, 0, 1});

    private boolean indexFed = true;

    private SemanticLookup lookup(Function<String, Mono<float[]>> embedder, Duration deadline) {
        return new SemanticLookup(embedder, "e", index, new LexicalGuard(), deadline, Schedulers.immediate(),
                new SemanticMetrics(meters, index), clock, () -> indexFed);
    }

    private SemanticLookup lookup() {
        return lookup(text -> Mono.just(VECTORS.get(text)), Duration.ofSeconds(5));
    }

    private void cache(String question) {
        index.put(new CachedAnswer(CachedAnswer.SCHEMA_VERSION, "cached-key", "ns", "m", "Click 'Forgot password'.",
                "stop", Usage.of(1, 1), NOW - 1_000, NOW + 60_000, 10, null,
                new SemanticVector(SCOPE, "e", question, Vectors.toBase64(VECTORS.get(question)))));
    }

    private static SemanticQuery query(String question) {
        return new SemanticQuery(SCOPE, question, 0.9, null, false);
    }

    private double lookups(String result) {
        return meters.counter("llmcache.semantic.lookups", "result", result).count();
    }

    @Test
    void aRewordingAboveTheThresholdIsAMatchWithItsSimilarity() {
        cache(CACHED);

        SemanticLookup.Result result = lookup().find(query("how can i reset my password")).block();

        assertThat(result.hit()).isTrue();
        assertThat(result.answer().content()).isEqualTo("Click 'Forgot password'.");
        assertThat(result.match().matchedKey()).isEqualTo("cached-key");
        assertThat(result.match().similarity()).isBetween(0.95, 0.97);
        assertThat(lookups(SemanticMetrics.HIT)).isEqualTo(1);
    }

    @Test
    void aCloseVectorTheGuardRefusesIsAMissThatStillKeepsItsVector() {
        cache(CACHED);

        SemanticLookup.Result result = lookup().find(query("How do I reset my password 2 times?")).block();

        assertThat(result.hit()).isFalse();
        assertThat(result.vector().get().question()).isEqualTo("How do I reset my password 2 times?");
        assertThat(lookups(SemanticMetrics.REFUSED)).isEqualTo(1);
    }

    @Test
    void aFarQuestionOrAnEmptyScopeIsAMiss() {
        assertThat(lookup().find(query("how can i reset my password")).block().hit()).isFalse();
        cache(CACHED);
        assertThat(lookup().find(query("What is the capital of Peru?")).block().hit()).isFalse();
        assertThat(lookups(SemanticMetrics.MISS)).isEqualTo(2);
    }

    @Test
    void aFailingEmbedderIsAMissWithoutVector() {
        cache(CACHED);

        SemanticLookup.Result result = lookup(text -> Mono.error(new IllegalStateException("embedder down")),
                Duration.ofSeconds(5)).find(query("how can i reset my password")).block();

        assertThat(result.hit()).isFalse();
        assertThat(result.vector().get()).isNull();
        assertThat(lookups(SemanticMetrics.ERROR)).isEqualTo(1);
    }

    @Test
    void whileTheIndexsFeedIsDownNothingIsLookedUpSinceDeletedEntriesCouldStillMatch() {
        cache(CACHED);
        indexFed = false;

        SemanticLookup.Result result = lookup().find(query("how can i reset my password")).block();

        assertThat(result.hit()).isFalse();
        assertThat(lookups(SemanticMetrics.STALE)).isEqualTo(1);
        indexFed = true;
        assertThat(lookup().find(query("how can i reset my password")).block().hit()).isTrue();
    }

    @Test
    void anEmbedderThatAnswersWithNothingIsAnErrorMissNotALookupThatNeverEnds() {
        cache(CACHED);

        SemanticLookup.Result result = lookup(text -> Mono.empty(), Duration.ofSeconds(5))
                .find(query("how can i reset my password")).block(Duration.ofSeconds(5));

        assertThat(result).isNotNull();
        assertThat(result.hit()).isFalse();
        assertThat(result.vector().get()).isNull();
        assertThat(lookups(SemanticMetrics.ERROR)).isEqualTo(1);
    }

    @Test
    void aSlowEmbedderIsAMissAtTheDeadlineAndItsVectorStillArrivesLater() {
        cache(CACHED);
        Sinks.One<float[]> slow = Sinks.one();

        SemanticLookup.Result result = lookup(text -> slow.asMono(), Duration.ofMillis(50))
                .find(query("how can i reset my password")).block(Duration.ofSeconds(5));

        assertThat(result.hit()).isFalse();
        assertThat(result.vector().get()).as("not ready yet").isNull();
        assertThat(lookups(SemanticMetrics.TIMEOUT)).isEqualTo(1);
        slow.tryEmitValue(VECTORS.get("how can i reset my password"));
        assertThat(result.vector().get()).isNotNull();
    }
}
