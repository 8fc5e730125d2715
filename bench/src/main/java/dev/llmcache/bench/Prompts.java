package dev.llmcache.bench;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.UUID;

/** Prompt sources for the workloads. */
final class Prompts {

    private final String runId;

    Prompts() {
        this(UUID.randomUUID().toString().substring(0, 8));
    }

    /** @param runId prompts of the same run id repeat across runs (to hit a warm cache) */
    Prompts(String runId) {
        this.runId = runId;
    }

    /** A prompt no earlier run or request used: a guaranteed miss. */
    String unique(String scenario, int i) {
        return scenario + " " + runId + " #" + i + " " + UUID.randomUUID();
    }

    /** The {@code rank}-th prompt of a scenario's key space (same rank, same prompt: a potential hit). */
    String ranked(String scenario, int rank) {
        return scenario + " " + runId + " key " + rank;
    }

    /**
     * Ranks 0..n-1 drawn with probability proportional to 1/(rank+1)^skew, like real traffic where a
     * few questions are asked very often.
     */
    static final class Zipf {
        private final double[] cumulative;
        private final SplittableRandom random;

        Zipf(int keys, double skew, long seed) {
            cumulative = new double[keys];
            double sum = 0;
            for (int rank = 0; rank < keys; rank++) {
                sum += 1 / Math.pow(rank + 1, skew);
                cumulative[rank] = sum;
            }
            for (int rank = 0; rank < keys; rank++) {
                cumulative[rank] /= sum;
            }
            random = new SplittableRandom(seed);
        }

        synchronized int next() {
            int index = Arrays.binarySearch(cumulative, random.nextDouble());
            return Math.min(cumulative.length - 1, index >= 0 ? index : -index - 1);
        }
    }
}
