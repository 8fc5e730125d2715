package dev.llmcache.replay.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(30));

    private static Exchange status(int code) {
        return new Exchange(code, null, null, null, null, null, 1, 1, 1, null, false, 0);
    }

    @Test
    void waitsForRetryAfterOnA429OrA503() {
        assertThat(policy.nextWait(status(429), 0, "7")).contains(Duration.ofSeconds(7));
        assertThat(policy.nextWait(status(503), 0, "2")).contains(Duration.ofSeconds(2));
    }

    @Test
    void backsOffExponentiallyOnGatewayErrorsAndLostConnections() {
        assertThat(policy.nextWait(status(502), 0, null)).contains(Duration.ofMillis(100));
        assertThat(policy.nextWait(status(504), 1, null)).contains(Duration.ofMillis(200));
        assertThat(policy.nextWait(Exchange.failed("reset", false, 1, 0), 2, null)).contains(Duration.ofMillis(400));
        assertThat(policy.nextWait(status(503), 1, "soon")).as("an unreadable Retry-After").contains(Duration.ofMillis(200));
    }

    @Test
    void stopsAfterMaxRetriesAndNeverRetriesAFinalAnswer() {
        assertThat(policy.nextWait(status(503), 3, "1")).isEmpty();
        assertThat(policy.nextWait(status(200), 0, null)).isEmpty();
        assertThat(policy.nextWait(status(400), 0, null)).isEmpty();
        assertThat(policy.nextWait(status(500), 0, null)).isEmpty();
    }

    @Test
    void neverWaitsLongerThanItsCap() {
        assertThat(policy.nextWait(status(429), 0, "86400")).contains(Duration.ofSeconds(30));
    }
}
