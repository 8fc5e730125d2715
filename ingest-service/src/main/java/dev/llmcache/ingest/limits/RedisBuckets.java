package dev.llmcache.ingest.limits;

import dev.llmcache.common.redis.RedisConnection;
import dev.llmcache.common.redis.RedisSettings;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Buckets in Redis, shared by every ingest instance (Bucket4j's compare-and-swap buckets over
 * Lettuce's asynchronous API). While Redis cannot be reached or answers slowly, the instance
 * falls back to its own {@link LocalBuckets}: a tenant is then held to the budget per instance,
 * and no request fails because of Redis.
 */
public final class RedisBuckets implements Buckets, HealthIndicator, AutoCloseable {

    private final RedisConnection<String, byte[]> connection;
    private final RedisSettings settings;
    private final Duration timeout;
    private final LocalBuckets fallback;
    private volatile StatefulRedisConnection<String, byte[]> managed;
    private volatile AsyncProxyManager<String> buckets;
    private volatile long failingSince;
    private volatile long skipUntil;

    /** @param timeout longest a bucket operation may take in Redis before this instance's own bucket is used */
    public RedisBuckets(RedisSettings settings, Duration timeout, LocalBuckets fallback) {
        this.settings = settings;
        this.timeout = timeout;
        this.fallback = fallback;
        RedisCodec<String, byte[]> codec = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
        this.connection = new RedisConnection<>(settings.url(), timeout, codec).connectInBackground();
    }

    @Override
    public CompletableFuture<ConsumptionProbe> tryConsume(String key, BucketConfiguration configuration, long amount) {
        return remote(key, configuration, bucket -> bucket.tryConsumeAndReturnRemaining(amount),
                () -> fallback.tryConsume(key, configuration, amount));
    }

    @Override
    public CompletableFuture<Void> adjust(String key, BucketConfiguration configuration, long amount) {
        if (amount == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return remote(key, configuration, bucket -> amount > 0
                        ? bucket.consumeIgnoringRateLimits(amount).thenApply(penalty -> (Void) null)
                        : bucket.addTokens(-amount),
                () -> fallback.adjust(key, configuration, amount));
    }

    private <T> CompletableFuture<T> remote(String key, BucketConfiguration configuration,
                                            Function<AsyncBucketProxy, CompletableFuture<T>> operation,
                                            Supplier<CompletableFuture<T>> local) {
        AsyncProxyManager<String> manager = manager();
        // After a failure, a second of local budgets instead of every request waiting for the timeout.
        if (manager == null || System.currentTimeMillis() < skipUntil) {
            return local.get();
        }
        CompletableFuture<T> result;
        try {
            result = operation.apply(manager.builder().build(settings.keyPrefix() + "ratelimit:" + key,
                    () -> CompletableFuture.completedFuture(configuration)));
        } catch (RuntimeException e) {
            return failed(local);
        }
        return result.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(value -> {
                    failingSince = 0;
                    return value;
                })
                .exceptionallyCompose(error -> failed(local));
    }

    private <T> CompletableFuture<T> failed(Supplier<CompletableFuture<T>> local) {
        long now = System.currentTimeMillis();
        if (failingSince == 0) {
            failingSince = now;
        }
        skipUntil = now + 1_000;
        return local.get();
    }

    private AsyncProxyManager<String> manager() {
        StatefulRedisConnection<String, byte[]> current = connection.current();
        if (current == null) {
            return null;
        }
        if (managed != current) {
            buckets = Bucket4jLettuce.casBasedBuilder(current.async())
                    // A bucket left alone long enough to be full again is deleted from Redis.
                    .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                            Duration.ofSeconds(10)))
                    .build()
                    .asAsync();
            managed = current;
        }
        return buckets;
    }

    /** Health component {@code rateLimitRedis}: DEGRADED (never DOWN) while budgets are per instance. */
    @Override
    public Health health() {
        boolean connected = connection.current() != null && connection.current().isOpen();
        if (connected && failingSince == 0) {
            return Health.up().withDetail("budgets", "shared through Redis").build();
        }
        return Health.status(new Status("DEGRADED")).withDetail("budgets", "per instance until Redis answers")
                .build();
    }

    @Override
    public void close() {
        connection.close();
    }
}
