package dev.llmcache.simulator;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/** The simulated embedding model: a unit vector drawn from a generator seeded by the text's hash. */
public final class SimulatedEmbedding {

    private SimulatedEmbedding() {
    }

    public static float[] of(String text, int dimensions) {
        SplittableRandom random = new SplittableRandom(Arrays.hashCode(text.getBytes(StandardCharsets.UTF_8)));
        float[] vector = new float[dimensions];
        double sum = 0;
        for (int i = 0; i < dimensions; i++) {
            vector[i] = (float) random.nextGaussian();
            sum += vector[i] * vector[i];
        }
        float scale = (float) (1 / Math.sqrt(sum));
        for (int i = 0; i < dimensions; i++) {
            vector[i] *= scale;
        }
        return vector;
    }
}
