package dev.llmcache.ingest.limits;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import java.util.concurrent.CompletableFuture;

/**
 * Where the token buckets of the rate limits live: in this instance ({@link LocalBuckets}) or
 * shared by every instance in Redis ({@link RedisBuckets}). Every operation is asynchronous, so
 * that a remote bucket never blocks a Netty event loop.
 */
public interface Buckets {

    /** Takes {@code amount} from the bucket {@code key} if it holds that much; says what is left either way. */
    CompletableFuture<ConsumptionProbe> tryConsume(String key, BucketConfiguration configuration, long amount);

    /**
     * Settles a cost learnt afterwards: takes {@code amount} even below zero (a debt that later
     * requests wait for) or, if negative, gives it back.
     */
    CompletableFuture<Void> adjust(String key, BucketConfiguration configuration, long amount);
}
