package dev.llmcache.common.redis;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Redis edge tier, shared by cache-service (which keeps Redis a replica of
 * {@code cache-entries}) and ingest (which looks keys up there).
 *
 * @param url       e.g. {@code redis://localhost:6379} ({@code rediss://} for TLS, credentials in the
 *                  URL); empty turns the tier off
 * @param timeout   longest an ingest lookup waits for Redis before it takes the Kafka path
 * @param keyPrefix prefix of every key the product writes (several deployments can share a Redis)
 */
@ConfigurationProperties("llmcache.redis")
public record RedisSettings(
        String url,
        @DefaultValue("50ms") Duration timeout,
        @DefaultValue("llmcache:") String keyPrefix) {

    public boolean enabled() {
        return url != null && !url.isBlank();
    }

    /** The key of a cache entry. */
    public String entryKey(String cacheKey) {
        return keyPrefix + "entry:" + cacheKey;
    }

    /**
     * The key that says a partition of {@code cache-entries} has been copied into this Redis: gone
     * after a flush or on a new server, which makes the replica copy the partition again.
     */
    public String syncedKey(int partition) {
        return keyPrefix + "replica:synced:" + partition;
    }
}
