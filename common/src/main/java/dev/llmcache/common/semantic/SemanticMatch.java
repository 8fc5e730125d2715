package dev.llmcache.common.semantic;

/**
 * A query answered by the semantic cache: with the entry of another, similar question.
 *
 * @param matchedKey the cache key of the entry that answered
 * @param similarity the cosine similarity of the two questions
 * @param createdAt  when the matched answer was created (epoch millis)
 */
public record SemanticMatch(String matchedKey, double similarity, long createdAt) {

    /** How far below the exact value a dot product of a few hundred floats may come out. */
    private static final double ROUNDING = 1e-6;

    /** Whether {@code similarity} reaches {@code threshold}, within float rounding (identical questions may come out a hair below 1.0). */
    public static boolean reaches(double similarity, double threshold) {
        return similarity >= threshold - ROUNDING;
    }
}
