package dev.llmcache.ingest.edge;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.llmcache.common.cache.ReplicaTarget;
import dev.llmcache.common.event.CachedAnswer;
import java.time.Clock;
import java.time.Duration;

/**
 * The first edge tier: cached answers in this JVM's memory, bounded by bytes. A read replica of the
 * processor's cache (it learns entries and tombstones from {@code cache-entries}); entries leave
 * when their TTL ends, when the cache deletes them, or when the least useful make room (Caffeine's
 * W-TinyLFU policy).
 */
public final class MemoryTier implements ReplicaTarget {

    /** Bytes an entry costs besides its text: the record, its strings' headers, the map's node. */
    private static final int ENTRY_OVERHEAD = 512;

    private final Cache<String, CachedAnswer> entries;
    private final Clock clock;

    /** @param maxBytes what the entries may take of the heap (estimated) */
    public MemoryTier(long maxBytes, Clock clock) {
        this.clock = clock;
        this.entries = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher(MemoryTier::weight)
                // Gone when the entry expires, whatever this instance hears from the topic.
                .expireAfter(Expiry.<String, CachedAnswer>writing((key, answer) ->
                        Duration.ofMillis(Math.max(0, answer.expiresAt() - clock.millis()))))
                .build();
    }

    /** The live entry for {@code key}, or null. */
    public CachedAnswer get(String key) {
        CachedAnswer answer = entries.getIfPresent(key);
        return answer == null || answer.isExpiredAt(clock.millis()) ? null : answer;
    }

    /** Kept without its semantic vector: an edge tier answers exact keys only. */
    @Override
    public void put(CachedAnswer answer) {
        if (!answer.isExpiredAt(clock.millis())) {
            entries.put(answer.cacheKey(), answer.withoutVector());
        }
    }

    @Override
    public void remove(String key) {
        entries.invalidate(key);
    }

    /** Removes every entry {@code matches} selects: a walk over this tier, off the request path. */
    @Override
    public void removeIf(java.util.function.Predicate<CachedAnswer> matches) {
        entries.asMap().values().removeIf(matches);
    }

    /** Runs pending evictions now (Caffeine runs them in the background otherwise). */
    void cleanUp() {
        entries.cleanUp();
    }

    @Override
    public long entries() {
        return entries.estimatedSize();
    }

    /** Estimated bytes the entries take. */
    @Override
    public long bytes() {
        return entries.policy().eviction().map(eviction -> eviction.weightedSize().orElse(0)).orElse(0L);
    }

    /** Java strings take one byte a character (Latin-1) or two; counted as two, to stay within the bound. */
    private static int weight(String key, CachedAnswer answer) {
        long chars = key.length() + length(answer.content()) + length(answer.model()) + length(answer.namespace())
                + (answer.extras() == null ? 0 : length(String.valueOf(answer.extras())));
        return (int) Math.min(Integer.MAX_VALUE, 2 * chars + ENTRY_OVERHEAD);
    }

    private static int length(String text) {
        return text == null ? 0 : text.length();
    }
}
