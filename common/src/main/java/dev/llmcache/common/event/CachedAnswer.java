package dev.llmcache.common.event;

/**
 * A complete, successful LLM answer as held in the cache store and published to the compacted
 * {@code cache-entries} topic (a {@code null} value there is the tombstone of an expired or
 * invalidated entry).
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
        MessageExtras extras) {

    public static final int SCHEMA_VERSION = 1;

    public boolean isExpiredAt(long nowMillis) {
        return nowMillis >= expiresAt;
    }

    public long ageMillisAt(long nowMillis) {
        return nowMillis - createdAt;
    }
}
