package dev.llmcache.ingest.limits;

import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.ingest.api.ApiException;
import dev.llmcache.ingest.app.IngestProperties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpResponse;
import reactor.core.publisher.Mono;

/**
 * One request's dealings with its tenant's budgets: the request it took on arrival, the tokens
 * it took before going upstream, and the settlement of what it really cost once it ended.
 */
public final class Admission {

    public static final String LIMIT = "X-RateLimit-Limit";
    public static final String REMAINING = "X-RateLimit-Remaining";
    public static final String RESET = "X-RateLimit-Reset";
    public static final String LIMIT_TOKENS = "X-RateLimit-Limit-Tokens";
    public static final String REMAINING_TOKENS = "X-RateLimit-Remaining-Tokens";
    public static final String RESET_TOKENS = "X-RateLimit-Reset-Tokens";

    private final RateLimiter limiter;
    private final String tenant;
    private final IngestProperties.Budget budget;
    private final BudgetState requests;
    private volatile BudgetState tokens;
    private volatile long tokensTaken;
    private volatile boolean permanentRefusal;
    private final AtomicBoolean settled = new AtomicBoolean();

    Admission(RateLimiter limiter, String tenant, IngestProperties.Budget budget, BudgetState requests) {
        this.limiter = limiter;
        this.tenant = tenant;
        this.budget = budget;
        this.requests = requests;
    }

    /** An admission without budgets: everything is granted, nothing is counted. */
    public static Admission unlimited() {
        return new Admission(null, null, new IngestProperties.Budget(0, 0), null);
    }

    public boolean granted() {
        return requests == null || requests.granted();
    }

    /** The 429 of a request its request budget refused. */
    public ApiException refusal() {
        return tooMany("requests", "Rate limit reached for requests: " + requests.limit() + " per minute; retry in "
                + requests.retryAfter() + " s");
    }

    /**
     * Takes the request's estimated prompt tokens from the token budget before it goes anywhere
     * that could cost tokens; fails with 429 (and gives back the request it took) if they are not there.
     */
    public Mono<Void> takeTokens(long estimate) {
        if (budget.tokensPerMinute() <= 0) {
            return Mono.empty();
        }
        if (estimate > budget.tokensPerMinute()) {
            giveBackRequest();
            // Waiting will not help: no Retry-After.
            permanentRefusal = true;
            return Mono.error(tooMany("tokens", "This request alone needs about " + estimate
                    + " tokens, more than the token budget of " + budget.tokensPerMinute() + " per minute"));
        }
        return limiter.takeTokens(tenant, budget, estimate).flatMap(state -> {
            tokens = state;
            if (!state.granted()) {
                giveBackRequest();
                return Mono.error(tooMany("tokens", "Rate limit reached for tokens: " + state.limit()
                        + " per minute; retry in " + state.retryAfter() + " s"));
            }
            tokensTaken = estimate;
            return Mono.empty();
        });
    }

    /**
     * Settles what the request really cost, once: the tokens its answer used instead of the
     * estimate, and for a hit only {@code hit-weight} of a request and of its tokens.
     *
     * @param usedTokens the answer's usage; negative when unknown (the client left before the end,
     *                   or the call failed): the estimate then stands, since the call may have cost
     *                   as much (leaving early must not make a request free)
     */
    public void settle(boolean hit, long usedTokens) {
        if (limiter == null || !settled.compareAndSet(false, true)) {
            return;
        }
        double weight = limiter.hitWeight();
        if (hit && requests != null && requests.granted() && weight < 1) {
            limiter.adjustRequests(tenant, budget, -Math.round((1 - weight) * RateLimiter.MILLI));
        }
        if (budget.tokensPerMinute() > 0 && usedTokens >= 0) {
            long cost = hit ? Math.round(weight * usedTokens) : usedTokens;
            limiter.adjustTokens(tenant, budget, cost - tokensTaken);
        }
    }

    /** Gives back the tokens taken for a request refused before it could cost anything (the request still counts). */
    public void refund() {
        if (limiter != null && tokensTaken > 0 && settled.compareAndSet(false, true)) {
            limiter.adjustTokens(tenant, budget, -tokensTaken);
        }
    }

    /**
     * Puts the budgets on {@code response} just before it is committed, whatever its status turns
     * out to be (see {@link #writeHeaders}).
     */
    public void writeHeadersOn(ServerHttpResponse response) {
        response.beforeCommit(() -> {
            writeHeaders(response.getHeaders(), response.getStatusCode() == null ? 200
                    : response.getStatusCode().value());
            return Mono.empty();
        });
    }

    /** The budgets as response headers (Retry-After too, on a refusal). */
    public void writeHeaders(HttpHeaders headers, int status) {
        if (requests != null) {
            headers.set(LIMIT, Long.toString(requests.limit()));
            headers.set(REMAINING, Long.toString(requests.remaining()));
            headers.set(RESET, Long.toString(requests.resetSeconds()));
        }
        BudgetState tokenState = tokens;
        if (tokenState != null) {
            headers.set(LIMIT_TOKENS, Long.toString(tokenState.limit()));
            headers.set(REMAINING_TOKENS, Long.toString(tokenState.remaining()));
            headers.set(RESET_TOKENS, Long.toString(tokenState.resetSeconds()));
        }
        if (status == 429 && permanentRefusal) {
            headers.remove(HttpHeaders.RETRY_AFTER);
        } else if (status == 429) {
            BudgetState refusing = requests != null && !requests.granted() ? requests : tokenState;
            if (refusing != null && !refusing.granted()) {
                headers.set(HttpHeaders.RETRY_AFTER, Long.toString(refusing.retryAfter()));
            }
        }
    }

    private void giveBackRequest() {
        if (requests != null && requests.granted() && settled.compareAndSet(false, true)) {
            limiter.adjustRequests(tenant, budget, -RateLimiter.MILLI);
        }
    }

    private static ApiException tooMany(String type, String message) {
        return new ApiException(new ErrorInfo(429, type, "rate_limit_exceeded", message), null);
    }
}
