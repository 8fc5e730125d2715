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

    private SemanticScenarios() {
    }

    /** {@code searches} searches of one scope holding {@code entries} entries of random unit vectors. */
    static ScenarioResult searchLatency(int entries, int searches) {
        Random random = new Random(42);
        SemanticIndex index = new SemanticIndex(entries, Long.MAX_VALUE, Clock.systemUTC());
        for (int i = 0; i < entries; i++) {
            index.put(new CachedAnswer(CachedAnswer.SCHEMA_VERSION, "key-" + i, "ns", "m",
                    "An answer of a few hundred characters " + i, "stop", Usage.of(10, 50), 0, FAR_FUTURE, 100, null,
                    new SemanticVector("scope", "embedder", "question " + i,
                            Vectors.toBase64(randomUnit(random)))));
        }
        ScenarioRecorder recorder = new ScenarioRecorder();
        for (int i = 0; i < searches + 200; i++) {
            float[] query = randomUnit(random);
            long start = System.nanoTime();
            index.search("scope", "embedder", query, 0.9, Long.MIN_VALUE, 5);
            long end = System.nanoTime();
            if (i >= 200) { // the first ones warm the JIT up
                recorder.record(new RequestResult(start, end, end, 200, "MISS", null, null));
            }
        }
        return recorder.result("semantic-search", "Searching one scope of the semantic index holding " + entries
                + " entries (" + DIMENSIONS + "-dimension vectors, exact: every entry compared), one search at a "
                + "time, in the bench's JVM.", Map.of("entries", entries, "searches", searches,
                "dimensions", DIMENSIONS));
    }

    private static float[] randomUnit(Random random) {
        float[] vector = new float[DIMENSIONS];
        for (int i = 0; i < DIMENSIONS; i++) {
            vector[i] = (float) random.nextGaussian();
        }
        return SemanticIndex.unit(vector);
    }
}
