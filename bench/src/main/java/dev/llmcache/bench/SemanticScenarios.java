package dev.llmcache.bench;

import dev.llmcache.common.embedding.Vectors;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.Usage;
import dev.llmcache.common.semantic.SemanticVector;
import dev.llmcache.processor.semantic.SemanticIndex;
import java.time.Clock;
import java.util.Map;
import java.util.Random;

/**
 * The semantic cache's own cost: searching one scope of the index at the size the target is for.
 * (Its cost on a miss's first token is measured through the product, as a pair of serial miss
 * scenarios with and without {@code X-Cache-Semantic: on}.)
 */
final class SemanticScenarios {

    private static final int DIMENSIONS = 384;
    private static final long FAR_FUTURE = Long.MAX_VALUE / 2;
    private static final float SHARED_WEIGHT = 14.4f;

    private SemanticScenarios() {
    }

    /**
     * {@code searches} searches of one scope holding {@code entries} entries. The vectors share a
     * common direction, as the questions of one scope do (any two at cosine 0.35 or so, like
     * questions of one domain embedded by a sentence model), rather than being spread evenly.
     */
    static ScenarioResult searchLatency(int entries, int searches) {
        Random random = new Random(42);
        float[] shared = randomUnit(random, null);
        SemanticIndex index = new SemanticIndex(entries, Long.MAX_VALUE, Clock.systemUTC());
        for (int i = 0; i < entries; i++) {
            index.put(new CachedAnswer(CachedAnswer.SCHEMA_VERSION, "key-" + i, "ns", "m",
                    "An answer of a few hundred characters " + i, "stop", Usage.of(10, 50), 0, FAR_FUTURE, 100, null,
                    new SemanticVector("scope", "embedder", "question " + i,
                            Vectors.toBase64(randomUnit(random, shared)))));
        }
        ScenarioRecorder recorder = new ScenarioRecorder();
        for (int i = 0; i < searches + 200; i++) {
            float[] query = randomUnit(random, shared);
            long start = System.nanoTime();
            index.search("scope", "embedder", query, 0.9, Long.MIN_VALUE, 5);
            long end = System.nanoTime();
            if (i >= 200) { // the first ones warm the JIT up
                recorder.record(new RequestResult(start, end, end, 200, "MISS", null, null));
            }
        }
        return recorder.result("semantic-search", "Searching one scope of the semantic index holding " + entries
                + " entries (" + DIMENSIONS + "-dimension vectors, any two at cosine about 0.35), threshold 0.9, one "
                + "search at a time, in the bench's JVM.", Map.of("entries", entries, "searches", searches,
                "dimensions", DIMENSIONS));
    }

    /**
     * A random unit vector; with {@code shared}, one that leans towards it: {@code SHARED_WEIGHT}
     * against noise of norm about 19.6 (the root of 384) gives two such vectors a cosine of about
     * 206 / (206 + 384) = 0.35.
     */
    private static float[] randomUnit(Random random, float[] shared) {
        float[] vector = new float[DIMENSIONS];
        for (int i = 0; i < DIMENSIONS; i++) {
            vector[i] = (float) random.nextGaussian() + (shared == null ? 0 : SHARED_WEIGHT * shared[i]);
        }
        return SemanticIndex.unit(vector);
    }
}
