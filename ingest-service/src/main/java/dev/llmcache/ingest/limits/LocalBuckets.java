package dev.llmcache.ingest.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.LocalBucketBuilder;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Buckets in this instance's memory (lock-free Bucket4j buckets): each instance enforces its own budget. */
public final class LocalBuckets implements Buckets {

    /** A bucket and what it holds when full, to tell how long it takes to be full again. */
    private record Held(Bucket bucket, long capacity) {
    }

    private final Cache<String, Held> buckets;
    private final TimeMeter clock;

    /**
     * @param idle  a full bucket unused this long is forgotten, which changes nothing (a new one is
     *              full too) and keeps memory bounded however many tenants come and go; a bucket in
     *              debt is kept until the debt is paid off as well
     * @param clock Bucket4j's (and the forgetting's) time source; a test's virtual clock
     */
    public LocalBuckets(Duration idle, TimeMeter clock) {
        this.buckets = Caffeine.newBuilder()
                .expireAfter(Expiry.accessing((String key, Held held) -> idle.plus(untilFull(held))))
                .maximumSize(100_000)
                .ticker(clock::currentTimeNanos)
                .build();
        this.clock = clock;
    }

    public LocalBuckets() {
        this(Duration.ofMinutes(2), TimeMeter.SYSTEM_MILLISECONDS);
    }

    /** Budgets refill in a minute: a bucket N budgets short is full after N + 1 minutes at most. */
    private static Duration untilFull(Held held) {
        long available = held.bucket().getAvailableTokens();
        return available >= 0 ? Duration.ZERO : Duration.ofMinutes(1 + (-available) / Math.max(1, held.capacity()));
    }

    @Override
    public CompletableFuture<ConsumptionProbe> tryConsume(String key, BucketConfiguration configuration, long amount) {
        return CompletableFuture.completedFuture(bucket(key, configuration).tryConsumeAndReturnRemaining(amount));
    }

    @Override
    public CompletableFuture<Void> adjust(String key, BucketConfiguration configuration, long amount) {
        Bucket bucket = bucket(key, configuration);
        if (amount > 0) {
            bucket.consumeIgnoringRateLimits(amount);
            // Read again: its expiry is computed on access, and it may be in debt now.
            buckets.getIfPresent(key);
        } else if (amount < 0) {
            bucket.addTokens(-amount);
        }
        return CompletableFuture.completedFuture(null);
    }

    private Bucket bucket(String key, BucketConfiguration configuration) {
        return buckets.get(key, k -> {
            LocalBucketBuilder builder = Bucket.builder().withCustomTimePrecision(clock);
            long capacity = 0;
            for (Bandwidth limit : configuration.getBandwidths()) {
                builder.addLimit(limit);
                capacity = Math.max(capacity, limit.getCapacity());
            }
            return new Held(builder.build(), capacity);
        }).bucket();
    }
}
