package dev.llmcache.ingest.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmcache.ingest.api.ApiException;
import dev.llmcache.ingest.app.IngestProperties;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

/** The budgets on virtual time: nothing here waits for a real minute. */
class RateLimiterTest {

    private final AtomicLong nanos = new AtomicLong();
    private final TimeMeter clock = new TimeMeter() {
        @Override
        public long currentTimeNanos() {
            return nanos.get();
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    };

    private RateLimiter limiter(long requestsPerMinute, long tokensPerMinute, double hitWeight) {
        return new RateLimiter(new IngestProperties.RateLimits(0, 0, hitWeight,
                Map.of("limited", new IngestProperties.Budget(requestsPerMinute, tokensPerMinute)), false),
                new LocalBuckets(Duration.ofMinutes(2), clock));
    }

    @Test
    void aTenantOverItsRequestBudgetIsRefusedUntilItRefills() {
        RateLimiter limiter = limiter(3, 0, 1);
        for (int i = 2; i >= 0; i--) {
            Admission admission = limiter.admit("limited").block();
            assertThat(admission.granted()).isTrue();
            assertThat(headers(admission, 200).getFirst(Admission.REMAINING)).isEqualTo(Integer.toString(i));
        }
        Admission refused = limiter.admit("limited").block();

        assertThat(refused.granted()).isFalse();
        HttpHeaders headers = headers(refused, 429);
        assertThat(headers.getFirst(Admission.LIMIT)).isEqualTo("3");
        assertThat(headers.getFirst(Admission.REMAINING)).isEqualTo("0");
        // One request comes back every 20 s; the bucket is full again after a minute.
        assertThat(headers.getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("20");
        assertThat(headers.getFirst(Admission.RESET)).isEqualTo("60");
        assertThat(refused.refusal().error().status()).isEqualTo(429);
        assertThat(refused.refusal().error().code()).isEqualTo("rate_limit_exceeded");

        nanos.addAndGet(Duration.ofSeconds(20).toNanos());
        assertThat(limiter.admit("limited").block().granted()).isTrue();
        assertThat(limiter.admit("limited").block().granted()).isFalse();
    }

    @Test
    void otherTenantsHaveBudgetsOfTheirOwn() {
        RateLimiter limiter = limiter(1, 0, 1);
        assertThat(limiter.admit("limited").block().granted()).isTrue();
        assertThat(limiter.admit("limited").block().granted()).isFalse();

        Admission unlimited = limiter.admit("another").block();
        assertThat(unlimited.granted()).isTrue();
        assertThat(headers(unlimited, 200).getFirst(Admission.LIMIT)).as("no budget, no headers").isNull();
    }

    @Test
    void hitsCountByTheirWeight() {
        RateLimiter free = limiter(2, 0, 0);
        for (int i = 0; i < 10; i++) {
            Admission hit = free.admit("limited").block();
            assertThat(hit.granted()).as("hit %d", i).isTrue();
            hit.settle(true, 100);
        }
        Admission miss = free.admit("limited").block();
        miss.settle(false, 100);
        assertThat(free.admit("limited").block().granted()).isTrue();
        assertThat(free.admit("limited").block().granted()).as("two misses spent it").isFalse();

        RateLimiter half = limiter(2, 0, 0.5);
        for (int i = 0; i < 3; i++) {
            Admission hit = half.admit("limited").block();
            assertThat(hit.granted()).as("hit %d", i).isTrue();
            hit.settle(true, 0);
        }
        // Each needs a whole request free to get in, and gives half of it back.
        assertThat(half.admit("limited").block().granted()).as("three half-price hits leave half a request")
                .isFalse();
    }

    @Test
    void tokensAreTakenAsEstimatedAndSettledWithTheRealUsage() {
        RateLimiter limiter = limiter(0, 1_000, 1);
        Admission first = limiter.admit("limited").block();
        first.takeTokens(100).block();
        assertThat(headers(first, 200).getFirst(Admission.REMAINING_TOKENS)).isEqualTo("900");
        // It really used 1,100: the budget is 100 in debt.
        first.settle(false, 1_100);

        Admission second = limiter.admit("limited").block();
        assertThatThrownBy(() -> second.takeTokens(10).block()).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).error().status()).isEqualTo(429));
        HttpHeaders headers = headers(second, 429);
        // 110 tokens short at 1,000 a minute: 6.6 s.
        assertThat(headers.getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("7");

        nanos.addAndGet(Duration.ofSeconds(7).toNanos());
        Admission third = limiter.admit("limited").block();
        third.takeTokens(10).block();
        // Refused before it could cost anything (Kafka away): its estimate comes back.
        third.refund();
        assertThat(limiter.admit("limited").block().takeTokens(10).then().block()).isNull();
    }

    @Test
    void aClientThatLeavesBeforeTheEndPaysItsEstimate() {
        RateLimiter limiter = limiter(0, 1_000, 1);
        for (int i = 0; i < 10; i++) {
            Admission left = limiter.admit("limited").block();
            left.takeTokens(100).block();
            // No usage reached it: the estimate stands.
            left.settle(false, -1);
        }
        Admission next = limiter.admit("limited").block();

        assertThatThrownBy(() -> next.takeTokens(100).block()).isInstanceOf(ApiException.class);
    }

    @Test
    void aBucketInDebtIsNotForgottenWhileIdle() {
        RateLimiter limiter = limiter(0, 1_000, 1);
        Admission huge = limiter.admit("limited").block();
        huge.takeTokens(100).block();
        // An answer of 5,000 tokens: 4,100 in debt, paid off after about 4 minutes.
        huge.settle(false, 5_000);

        nanos.addAndGet(Duration.ofMinutes(3).toNanos());
        Admission stillInDebt = limiter.admit("limited").block();
        assertThatThrownBy(() -> stillInDebt.takeTokens(100).block()).isInstanceOf(ApiException.class);
        nanos.addAndGet(Duration.ofMinutes(2).toNanos());
        assertThat(limiter.admit("limited").block().takeTokens(100).then().block()).isNull();
    }

    @Test
    void aRequestLargerThanTheWholeTokenBudgetIsRefusedOutright() {
        RateLimiter limiter = limiter(0, 1_000, 1);
        Admission admission = limiter.admit("limited").block();

        assertThatThrownBy(() -> admission.takeTokens(5_000).block()).isInstanceOf(ApiException.class)
                .hasMessageContaining("more than the token budget");
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, "1");
        admission.writeHeaders(headers, 429);
        assertThat(headers.getFirst(HttpHeaders.RETRY_AFTER)).as("waiting will not help").isNull();
    }

    private static HttpHeaders headers(Admission admission, int status) {
        HttpHeaders headers = new HttpHeaders();
        admission.writeHeaders(headers, status);
        return headers;
    }
}
