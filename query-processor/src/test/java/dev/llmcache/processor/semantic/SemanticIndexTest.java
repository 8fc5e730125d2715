package dev.llmcache.processor.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.embedding.Vectors;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.Usage;
import dev.llmcache.common.semantic.SemanticVector;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class SemanticIndexTest {

    private static final long NOW = 1_000_000;
    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
    private final SemanticIndex index = new SemanticIndex(1_000, 64 << 20, clock);

    /** A unit vector at {@code degrees} from the x axis, in the x-y plane: similarities are cosines. */
    private static float[] at(double degrees) {
        double radians = Math.toRadians(degrees);
        return new float[] {(float) Math.cos(radians), (float) Math.sin(radians), 0, 0, 0};
    }

    private static CachedAnswer entry(String key, String scope, String embedder, float[] vector, long createdAt,
                                      long expiresAt) {
        return new CachedAnswer(CachedAnswer.SCHEMA_VERSION, key, "ns", "m", "answer " + key, "stop", Usage.of(1, 1),
                createdAt, expiresAt, 10, null, new SemanticVector(scope, embedder, "question " + key,
                Vectors.toBase64(vector)));
    }

    private static CachedAnswer entry(String key, String scope, float[] vector) {
        return entry(key, scope, "e", vector, NOW - 1_000, NOW + 60_000);
    }

    private List<String> keysFound(String scope, float[] vector, double threshold) {
        return index.search(scope, "e", vector, threshold, Long.MIN_VALUE, 5).candidates().stream()
                .map(c -> c.answer().cacheKey()).toList();
    }

    @Test
    void findsTheEntriesAtOrAboveTheThresholdMostSimilarFirst() {
        index.put(entry("far", "s", at(60)));
        index.put(entry("near", "s", at(10)));
        index.put(entry("nearest", "s", at(2)));

        assertThat(keysFound("s", at(0), Math.cos(Math.toRadians(15)))).containsExactly("nearest", "near");
        SemanticIndex.Search search = index.search("s", "e", at(0), 0.99, Long.MIN_VALUE, 5);
        assertThat(search.candidates()).extracting(c -> c.answer().cacheKey()).containsExactly("nearest");
        assertThat(search.candidates().get(0).similarity()).isCloseTo(Math.cos(Math.toRadians(2)),
                org.assertj.core.data.Offset.offset(1e-6));
        assertThat(search.candidates().get(0).question()).isEqualTo("question nearest");
        assertThat(search.best()).isCloseTo(Math.cos(Math.toRadians(2)), org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void vectorsAreComparedAsDirectionsWhateverTheirLength() {
        float[] longer = at(0);
        for (int i = 0; i < longer.length; i++) {
            longer[i] *= 7;
        }
        index.put(entry("k", "s", longer));

        assertThat(index.search("s", "e", at(0), 0.999, Long.MIN_VALUE, 5).candidates()).hasSize(1);
    }

    @Test
    void otherScopesAndOtherEmbeddersAreNeverSearched() {
        index.put(entry("other-scope", "s2", at(0)));
        index.put(entry("other-embedder", "s", "e2", at(0), NOW - 1_000, NOW + 60_000));

        assertThat(keysFound("s", at(0), 0.5)).isEmpty();
        assertThat(keysFound("s2", at(0), 0.5)).containsExactly("other-scope");
    }

    @Test
    void expiredEntriesAndEntriesOlderThanTheClientAcceptsAreNotFound() {
        index.put(entry("expired", "s", "e", at(0), NOW - 10_000, NOW));
        index.put(entry("old", "s", "e", at(1), NOW - 10_000, NOW + 60_000));
        index.put(entry("young", "s", "e", at(2), NOW - 1_000, NOW + 60_000));

        assertThat(index.search("s", "e", at(0), 0.5, NOW - 5_000, 5).candidates())
                .extracting(c -> c.answer().cacheKey()).containsExactly("young");
    }

    @Test
    void aTombstoneAnInvalidationOrAnEntryWithoutVectorRemovesTheKey() {
        index.put(entry("a", "s", at(0)));
        index.put(entry("b", "s", at(1)));
        index.put(entry("c", "s", at(2)));

        index.remove("a");
        index.removeIf(answer -> answer.cacheKey().equals("b"));
        index.put(entry("c", "s", at(2)).withoutVector());

        assertThat(keysFound("s", at(0), 0.5)).isEmpty();
        assertThat(index.entries()).isZero();
        assertThat(index.bytes()).isZero();
    }

    @Test
    void aNewAnswerForAKeyReplacesTheOldOne() {
        index.put(entry("k", "s", at(0)));
        index.put(entry("k", "s", at(90)));

        assertThat(keysFound("s", at(0), 0.5)).isEmpty();
        assertThat(keysFound("s", at(90), 0.5)).containsExactly("k");
        assertThat(index.entries()).isEqualTo(1);
    }

    @Test
    void beyondItsBoundsTheOldestEntriesLeave() {
        SemanticIndex small = new SemanticIndex(3, 64 << 20, clock);
        for (int i = 0; i < 5; i++) {
            small.put(entry("k" + i, "s", at(i)));
        }
        assertThat(small.entries()).isEqualTo(3);
        assertThat(small.search("s", "e", at(0), 0.5, Long.MIN_VALUE, 5).candidates())
                .extracting(c -> c.answer().cacheKey()).containsExactlyInAnyOrder("k2", "k3", "k4");

        SemanticIndex bytesBound = new SemanticIndex(1_000, 2_000, clock);
        for (int i = 0; i < 10; i++) {
            bytesBound.put(entry("k" + i, "s", at(i)));
        }
        assertThat(bytesBound.bytes()).isLessThanOrEqualTo(2_000);
        assertThat(bytesBound.entries()).isBetween(1L, 9L);
    }

    @Test
    void aFullScopeMakesRoomFromItsOwnOldestEntriesNotFromOtherScopes() {
        SemanticIndex perScope = new SemanticIndex(1_000, 64 << 20, 2, clock);
        perScope.put(entry("quiet", "other", at(0)));
        for (int i = 0; i < 5; i++) {
            perScope.put(entry("k" + i, "busy", "e", at(i), NOW - 1_000 + i, NOW + 60_000));
        }

        assertThat(perScope.contains("quiet")).isTrue();
        assertThat(perScope.contains("k3")).isTrue();
        assertThat(perScope.contains("k4")).isTrue();
        assertThat(perScope.entries()).isEqualTo(3);
    }

    @Test
    void aScopeOfLongAnswersMakesRoomFromItsOwnOldestEntriesWithinItsShareOfTheBytes() {
        // 10 entries a scope of 100 in all: each scope may use a tenth of the 100,000 bytes.
        SemanticIndex perScope = new SemanticIndex(100, 100_000, 10, clock);
        perScope.put(entry("quiet", "other", at(0)));
        for (int i = 0; i < 10; i++) {
            perScope.put(withContent(entry("long" + i, "busy", "e", at(i), NOW - 1_000 + i, NOW + 60_000),
                    "x".repeat(2_000)));
        }

        assertThat(perScope.contains("quiet")).isTrue();
        assertThat(perScope.contains("long9")).isTrue();
        assertThat(perScope.contains("long0")).isFalse();
        assertThat(perScope.entries() - 1).as("entries left in the busy scope").isBetween(1L, 2L);
        assertThat(perScope.bytes()).isLessThanOrEqualTo(10_000 + 1_000);
    }

    @Test
    void anAnswerLargerThanAScopesShareIsNotIndexedAndPushesNothingOut() {
        SemanticIndex perScope = new SemanticIndex(100, 100_000, 10, clock);
        perScope.put(entry("small", "s", at(0)));

        perScope.put(withContent(entry("huge", "s", at(1)), "x".repeat(20_000)));

        assertThat(perScope.contains("huge")).isFalse();
        assertThat(perScope.contains("small")).isTrue();
    }

    private static CachedAnswer withContent(CachedAnswer answer, String content) {
        return new CachedAnswer(answer.schemaVersion(), answer.cacheKey(), answer.namespace(), answer.model(),
                content, answer.finishReason(), answer.usage(), answer.createdAt(), answer.expiresAt(),
                answer.llmDurationMillis(), answer.extras(), answer.semantic());
    }

    @Test
    void anAnswerThatIsToolCallsIsNotIndexed() {
        CachedAnswer calls = entry("calls", "s", at(0));
        index.put(new CachedAnswer(calls.schemaVersion(), calls.cacheKey(), calls.namespace(), calls.model(), "",
                "tool_calls", calls.usage(), calls.createdAt(), calls.expiresAt(), calls.llmDurationMillis(),
                dev.llmcache.common.event.MessageExtras.of(dev.llmcache.common.serde.Json.MAPPER.readTree(
                        "[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]"),
                        null), calls.semantic()));

        assertThat(index.contains("calls")).isFalse();
    }

    @Test
    void aThresholdOfOneFindsTheSameQuestionDespiteFloatRounding() {
        float[] odd = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
        index.put(entry("same", "s", odd));

        assertThat(keysFound("s", SemanticIndex.unit(odd), 1.0)).containsExactly("same");
    }

    @Test
    void aScopeThatShrankStillFindsWhatIsLeft() {
        for (int i = 0; i < 200; i++) {
            index.put(entry("k" + i, "s", at(i * 0.1)));
        }
        for (int i = 0; i < 199; i++) {
            index.remove("k" + i);
        }

        assertThat(keysFound("s", at(19.9), 0.99)).containsExactly("k199");
        assertThat(index.entries()).isEqualTo(1);
    }

    @Test
    void theCodePrefilterKeepsEveryEntryAtTheThresholdAmongThousandsOfOthers() {
        java.util.Random random = new java.util.Random(7);
        SemanticIndex large = new SemanticIndex(10_000, Long.MAX_VALUE, clock);
        float[] query = randomUnit(random, 384);
        for (int i = 0; i < 3_000; i++) {
            large.put(entry("other-" + i, "s", "e", randomUnit(random, 384), NOW - 1_000, NOW + 60_000));
        }
        // Planted entries at similarities from 0.90 to 0.99 of the query.
        List<Double> planted = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            double cosine = 0.90 + i * 0.0025;
            float[] near = mix(query, randomUnit(random, 384), cosine);
            planted.add(SemanticIndex.dot(near, query));
            large.put(entry("near-" + i, "s", "e", near, NOW - 1_000, NOW + 60_000));
        }

        SemanticIndex.Search search = large.search("s", "e", query, 0.90, Long.MIN_VALUE, 100);

        assertThat(search.candidates()).extracting(c -> c.answer().cacheKey())
                .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, 40)
                        .filter(i -> planted.get(i) >= 0.90).mapToObj(i -> "near-" + i).toList());
        assertThat(search.best()).isCloseTo(planted.stream().mapToDouble(d -> d).max().orElseThrow(),
                org.assertj.core.data.Offset.offset(1e-6));
    }

    private static float[] randomUnit(java.util.Random random, int dimensions) {
        float[] vector = new float[dimensions];
        for (int i = 0; i < dimensions; i++) {
            vector[i] = (float) random.nextGaussian();
        }
        return SemanticIndex.unit(vector);
    }

    /** A unit vector at cosine {@code cosine} from {@code to}: {@code to} plus a part of {@code other} orthogonal to it. */
    private static float[] mix(float[] to, float[] other, double cosine) {
        double along = SemanticIndex.dot(other, to);
        float[] orthogonal = new float[to.length];
        for (int i = 0; i < to.length; i++) {
            orthogonal[i] = (float) (other[i] - along * to[i]);
        }
        orthogonal = SemanticIndex.unit(orthogonal);
        double sine = Math.sqrt(1 - cosine * cosine);
        float[] mixed = new float[to.length];
        for (int i = 0; i < to.length; i++) {
            mixed[i] = (float) (cosine * to[i] + sine * orthogonal[i]);
        }
        return mixed;
    }

    @Test
    void theDotProductOfUnitVectorsIsTheirCosine() {
        float[] a = SemanticIndex.unit(new float[] {1, 2, 3, 4, 5, 6, 7});
        float[] b = SemanticIndex.unit(new float[] {7, 6, 5, 4, 3, 2, 1});
        double expected = (7 + 12 + 15 + 16 + 15 + 12 + 7) / 140.0;
        assertThat(SemanticIndex.dot(a, b)).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(SemanticIndex.unit(new float[] {0, 0})).isNull();
    }
}
