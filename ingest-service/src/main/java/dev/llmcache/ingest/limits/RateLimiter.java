package dev.llmcache.ingest.limits;

import dev.llmcache.ingest.app.IngestProperties;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Each tenant's two budgets as token buckets refilled over a minute: requests, and the LLM
 * tokens they spend. A request takes one request at once and its estimated prompt tokens; what
 * it really cost (its usage, and whether it was a hit) is settled when it ends.
 *
 * <p>Request budgets are kept in thousandths of a request, so that a hit can cost a fraction of
 * one ({@code hit-weight}).
 */
public final class RateLimiter {

    static final long MILLI = 1_000;

    private final IngestProperties.RateLimits limits;
    private final Buckets buckets;
    private final ConcurrentMap<Long, BucketConfiguration> configurations = new ConcurrentHashMap<>();

    public RateLimiter(IngestProperties.RateLimits limits, Buckets buckets) {
        this.limits = limits;
        this.buckets = buckets;
    }

    /** Whether any tenant has a budget at all (else nothing is checked and no headers are sent). */
    public boolean enabled() {
        return limits.requestsPerMinute() > 0 || limits.tokensPerMinute() > 0
                || limits.tenants().values().stream().anyMatch(b -> b.requestsPerMinute() > 0 || b.tokensPerMinute() > 0);
    }

    /**
     * Takes one request from the tenant's budget. The admission says whether it was granted; a
     * refused one has taken nothing.
     */
    public Mono<Admission> admit(String tenant) {
        IngestProperties.Budget budget = limits.budgetOf(tenant);
        if (budget.requestsPerMinute() <= 0) {
            return Mono.just(new Admission(this, tenant, budget, null));
        }
        return answered(() -> buckets.tryConsume(requestsKey(tenant), perMinute(budget.requestsPerMinute() * MILLI), MILLI))
                .map(probe -> new Admission(this, tenant, budget, BudgetState.of(probe, budget.requestsPerMinute(), MILLI)));
    }

    Mono<BudgetState> takeTokens(String tenant, IngestProperties.Budget budget, long tokens) {
        return answered(() -> buckets.tryConsume(tokensKey(tenant), perMinute(budget.tokensPerMinute()), tokens))
                .map(probe -> BudgetState.of(probe, budget.tokensPerMinute(), 1));
    }

    /**
     * A bucket's answer: on the caller's thread when it is already there (a local bucket), else off
     * Lettuce's one I/O thread (a bucket in Redis), so that the request goes on elsewhere.
     */
    private static <T> Mono<T> answered(java.util.function.Supplier<java.util.concurrent.CompletableFuture<T>> operation) {
        return Mono.defer(() -> {
            java.util.concurrent.CompletableFuture<T> answer = operation.get();
            return answer.isDone() ? Mono.fromFuture(answer) : Mono.fromFuture(answer).publishOn(Schedulers.parallel());
        });
    }

    void adjustRequests(String tenant, IngestProperties.Budget budget, long milliRequests) {
        if (milliRequests == 0) {
            return;
        }
        buckets.adjust(requestsKey(tenant), perMinute(budget.requestsPerMinute() * MILLI), milliRequests);
    }

    void adjustTokens(String tenant, IngestProperties.Budget budget, long tokens) {
        if (tokens == 0) {
            // Bucket4j refuses to consume nothing.
            return;
        }
        buckets.adjust(tokensKey(tenant), perMinute(budget.tokensPerMinute()), tokens);
    }

    double hitWeight() {
        return Math.max(0, Math.min(1, limits.hitWeight()));
    }

    private BucketConfiguration perMinute(long capacity) {
        return configurations.computeIfAbsent(capacity, c -> BucketConfiguration.builder()
                // Greedy: refilled a little at a time, not a minute's worth at once on the minute.
                .addLimit(Bandwidth.builder().capacity(c).refillGreedy(c, Duration.ofMinutes(1)).build())
                .build());
    }

    private static String requestsKey(String tenant) {
        return tenant + ":requests";
    }

    private static String tokensKey(String tenant) {
        return tenant + ":tokens";
    }
}
