package dev.llmcache.ingest.edge;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheDirectives;
import dev.llmcache.common.event.CachedAnswer;
import java.time.Clock;
import reactor.core.publisher.Mono;

/**
 * The tiers a query is looked up in before it takes the Kafka path: answered here, a hit costs no
 * Kafka round trip. The processor's state store stays the authority (dedupe, coalescing,
 * eviction); these are its read replicas, so a miss here is only a miss here. A request that
 * says {@code no-cache} skips them; {@code max-age} and the entry's TTL hold on every tier.
 */
public final class EdgeCache {

    private final MemoryTier memory;
    private final Clock clock;

    /** @param memory the in-memory tier, or null when it is disabled */
    public EdgeCache(MemoryTier memory, Clock clock) {
        this.memory = memory;
        this.clock = clock;
    }

    /** The hit for {@code key}, or empty: then the query goes to Kafka as it would without an edge. */
    public Mono<EdgeHit> lookup(String key, CacheDirectives directives) {
        if (directives.noCache() || memory == null) {
            return Mono.empty();
        }
        CachedAnswer cached = memory.get(key);
        return cached != null && directives.accepts(cached, clock.millis())
                ? Mono.just(new EdgeHit(cached, Answer.MEMORY))
                : Mono.empty();
    }
}
