package dev.llmcache.ingest.edge;

import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.redis.RedisConnection;
import dev.llmcache.common.redis.RedisSettings;
import dev.llmcache.common.serde.Json;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The second edge tier: a lookup in the Redis replica of {@code cache-entries} that cache-service
 * keeps, shared by every ingest instance. It never fails a request: a miss, a timeout
 * ({@code llmcache.redis.timeout}) or an error is a miss here, and after repeated failures a
 * circuit breaker stops asking Redis for a while; it comes back by itself. Connecting happens on
 * a thread of its own, never on an event loop. Health component {@code edgeRedis} (not part of
 * readiness: without Redis, hits take the other paths).
 */
public final class RedisTier implements HealthIndicator, AutoCloseable {

    /** Opens when half of the last 20 lookups (at least 10) failed; tries again after 5 s. */
    static final CircuitBreakerConfig BREAKER = CircuitBreakerConfig.custom()
            .slidingWindowSize(20)
            .minimumNumberOfCalls(10)
            .failureRateThreshold(50)
            .waitDurationInOpenState(Duration.ofSeconds(5))
            .automaticTransitionFromOpenToHalfOpenEnabled(true)
            .build();

    private final RedisSettings settings;
    private final RedisConnection<String, String> connection;
    private final CircuitBreaker breaker = CircuitBreaker.of("redis", BREAKER);

    public RedisTier(RedisSettings settings) {
        this.settings = settings;
        this.connection = RedisConnection.strings(settings.url(), settings.timeout()).connectInBackground();
    }

    /** The entry of {@code cacheKey} in Redis, or empty (none, Redis slow, down or paused). */
    public Mono<CachedAnswer> get(String cacheKey) {
        StatefulRedisConnection<String, String> connected = connection.current();
        if (connected == null) {
            return Mono.empty();
        }
        return Mono.defer(() -> connected.reactive().get(settings.entryKey(cacheKey)))
                .timeout(settings.timeout())
                .transformDeferred(CircuitBreakerOperator.of(breaker))
                // Off Lettuce's one I/O thread: decoding and answering must not delay other lookups.
                .publishOn(Schedulers.parallel())
                .map(json -> Json.MAPPER.readValue(json, CachedAnswer.class))
                .onErrorResume(error -> Mono.empty());
    }

    public CircuitBreaker.State circuit() {
        return breaker.getState();
    }

    @Override
    public Health health() {
        boolean connected = connection.current() != null && connection.current().isOpen();
        // DEGRADED, not DOWN: without Redis every request is still answered.
        return (connected && breaker.getState() != CircuitBreaker.State.OPEN ? Health.up()
                : Health.status(new Status("DEGRADED")))
                .withDetail("connected", connected)
                .withDetail("circuit", breaker.getState().name())
                .build();
    }

    @Override
    public void close() {
        connection.close();
    }
}
