package dev.llmcache.common.semantic;

/**
 * A query answered by the semantic cache: with the entry of another, similar question.
 *
 * @param matchedKey the cache key of the entry that answered
 * @param similarity the cosine similarity of the two questions
 * @param createdAt  when the matched answer was created (epoch millis)
 */
public record SemanticMatch(String matchedKey, double similarity, long createdAt) {
}
