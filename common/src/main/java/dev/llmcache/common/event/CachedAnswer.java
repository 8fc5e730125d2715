package dev.llmcache.common.event;

import dev.llmcache.common.semantic.SemanticVector;

/**
 * A complete, successful LLM answer as held in the cache store and published to the compacted
 * {@code cache-entries} topic (a {@code null} value there is the tombstone of an expired or
 * invalidated entry).
 *
 * @param semantic the question's place in the semantic index, for an answer to an eligible query
 *                 that was embedded; null otherwise
 */
public record CachedAnswer(
        int schemaVersion,
        String cacheKey,
        String namespace,
        String model,
        String content,
        String finishReason,
        Usage usage,
        long createdAt,
        long expiresAt,
        long llmDurationMillis,
        MessageExtras extras,
        SemanticVector semantic) {

    public static final int SCHEMA_VERSION = 1;

    public CachedAnswer(int schemaVersion, String cacheKey, String namespace, String model, String content,
                        String finishReason, Usage usage, long createdAt, long expiresAt, long llmDurationMillis,
                        MessageExtras extras) {
        this(schemaVersion, cacheKey, namespace, model, content, finishReason, usage, createdAt, expiresAt,
                llmDurationMillis, extras, null);
    }

    /** The same answer without its semantic vector (what the edge tiers keep: they never match by meaning). */
    public CachedAnswer withoutVector() {
        return semantic == null ? this : new CachedAnswer(schemaVersion, cacheKey, namespace, model, content,
                finishReason, usage, createdAt, expiresAt, llmDurationMillis, extras, null);
    }

    public boolean isExpiredAt(long nowMillis) {
        return nowMillis >= expiresAt;
    }

    public long ageMillisAt(long nowMillis) {
        return nowMillis - createdAt;
    }
}
