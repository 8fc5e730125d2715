package dev.llmcache.ingest.edge;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheDirectives;
import dev.llmcache.common.event.CachedAnswer;
import java.time.Clock;
import java.util.function.Predicate;
import reactor.core.publisher.Mono;

/**
 * The tiers a query is looked up in before it takes the Kafka path: answered here, a hit costs no
 * Kafka round trip. The processor's state store stays the authority (dedupe, coalescing,
 * eviction); these are its read replicas, so a miss here is only a miss here. A request that
 * says {@code no-cache} skips them; {@code max-age} and the entry's TTL hold on every tier.
 */
public final class EdgeCache {

    private final MemoryTier memory;
    private final RedisTier redis;
    private final Predicate<CachedAnswer> invalidated;
    private final Clock clock;

    /**
     * @param memory      the in-memory tier, or null when it is disabled
     * @param redis       the Redis tier, or null when there is no Redis
     * @param invalidated whether an entry was removed lately (deleted, invalidated, expired,
     *                    evicted): Redis may not have its tombstone yet
     */
    public EdgeCache(MemoryTier memory, RedisTier redis, Predicate<CachedAnswer> invalidated, Clock clock) {
        this.memory = memory;
        this.redis = redis;
        this.invalidated = invalidated;
        this.clock = clock;
    }

    public EdgeCache(MemoryTier memory, Clock clock) {
        this(memory, null, entry -> false, clock);
    }

    /** The hit for {@code key} from the memory tier alone, or null: a lookup that never waits. */
    private EdgeHit memoryHit(String key, CacheDirectives directives) {
        if (directives.noCache() || memory == null) {
            return null;
        }
        CachedAnswer cached = memory.get(key);
        return cached != null && directives.accepts(cached, clock.millis()) ? new EdgeHit(cached, Answer.MEMORY) : null;
    }

    /**
     * The hit for {@code key}: from memory, else from Redis; or empty: then the query goes to
     * Kafka as it would without an edge. A Redis hit is not copied into memory: memory follows
     * {@code cache-entries} itself, and Redis may still hold an entry memory has seen removed.
     */
    public Mono<EdgeHit> lookup(String key, CacheDirectives directives) {
        EdgeHit inMemory = memoryHit(key, directives);
        return inMemory != null ? Mono.just(inMemory) : redisHit(key, directives);
    }

    /** Whether there is any tier to look in. */
    public boolean hasTiers() {
        return memory != null || redis != null;
    }

    private Mono<EdgeHit> redisHit(String key, CacheDirectives directives) {
        if (directives.noCache() || redis == null) {
            return Mono.empty();
        }
        return redis.get(key)
                .filter(entry -> key.equals(entry.cacheKey()) && directives.accepts(entry, clock.millis())
                        && !invalidated.test(entry))
                .map(entry -> new EdgeHit(entry, Answer.REDIS));
    }
}
