package dev.llmcache.common.semantic;

/**
 * What the semantic index needs of a cached answer, carried by the answer itself (LLM worker →
 * {@code llm-responses} → cache store → {@code cache-entries}), so that every processor instance
 * can index every entry.
 *
 * @param scope    the entry's {@link SemanticQuery#scope()}
 * @param embedder the model that embedded the question: vectors of different models never compare
 * @param question the question text, for the lexical guard
 * @param vector   the question's unit-length embedding, base64 of little-endian float32 ({@code Vectors})
 */
public record SemanticVector(String scope, String embedder, String question, String vector) {
}
