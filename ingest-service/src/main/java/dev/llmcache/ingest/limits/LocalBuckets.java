package dev.llmcache.ingest.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Buckets in this instance's memory (lock-free Bucket4j buckets): each instance enforces its own budget. */
public final class LocalBuckets implements Buckets {

    private final Cache<String, Bucket> buckets;
    private final TimeMeter clock;

    /**
     * @param idle  a bucket unused this long is forgotten: by then it has refilled, so forgetting it
     *              changes nothing (keeps memory bounded however many tenants come and go)
     * @param clock Bucket4j's time source; a test's virtual clock
     */
    public LocalBuckets(Duration idle, TimeMeter clock) {
        this.buckets = Caffeine.newBuilder().expireAfterAccess(idle).maximumSize(100_000).build();
        this.clock = clock;
    }

    public LocalBuckets() {
        this(Duration.ofMinutes(2), TimeMeter.SYSTEM_MILLISECONDS);
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
        } else if (amount < 0) {
            bucket.addTokens(-amount);
        }
        return CompletableFuture.completedFuture(null);
    }

    private Bucket bucket(String key, BucketConfiguration configuration) {
        return buckets.get(key, k -> Bucket.builder()
                .withCustomTimePrecision(clock)
                .addLimit(configuration.getBandwidths()[0])
                .build());
    }
}
