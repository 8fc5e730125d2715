package dev.llmcache.cache.api;

import dev.llmcache.cache.analytics.AnalyticsQueries;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.serde.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * {@code GET /metrics/aggregates?window=15m&model=...&tenant=...}: the windows of the last
 * {@code window} (default 15m, at most 24h) for one model, one tenant, or all traffic.
 */
public final class AggregatesHandler {

    private static final Duration MAX_LOOKBACK = Duration.ofHours(24);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:/-]{1,128}");

    private final AnalyticsQueries queries;
    private final Duration windowSize;

    public AggregatesHandler(AnalyticsQueries queries, Duration windowSize) {
        this.queries = queries;
        this.windowSize = windowSize;
    }

    public Mono<ServerResponse> handle(ServerRequest request) {
        Duration lookback;
        try {
            lookback = parseLookback(request.queryParam("window").orElse("15m"));
        } catch (IllegalArgumentException e) {
            return badRequest("window", e.getMessage());
        }
        String model = request.queryParam("model").orElse(null);
        String tenant = request.queryParam("tenant").orElse(null);
        if (model != null && tenant != null) {
            return badRequest("tenant", "Give model or tenant, not both");
        }
        String value = model != null ? model : tenant != null ? tenant : "*";
        if (!value.equals("*") && !NAME.matcher(value).matches()) {
            return badRequest(model != null ? "model" : "tenant", "Invalid name");
        }
        String dimension = model != null ? "model" : tenant != null ? "tenant" : "all";
        Instant now = Instant.now();
        return Mono.fromCallable(() -> queries.windows(dimension, value, now.minus(lookback), now, windowSize.toMillis()))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(windows -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Json.MAPPER.writeValueAsString(windows)));
    }

    /** {@code 15m}, {@code 2h}, {@code 90s} or ISO-8601 ({@code PT15M}). */
    static Duration parseLookback(String text) {
        Duration duration;
        try {
            duration = text.toUpperCase().startsWith("P") ? Duration.parse(text) : Duration.parse("PT" + text.toUpperCase());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'window' must be a duration like 15m, 2h or PT30M");
        }
        if (duration.isNegative() || duration.isZero() || duration.compareTo(MAX_LOOKBACK) > 0) {
            throw new IllegalArgumentException("'window' must be between 1s and 24h");
        }
        return duration;
    }

    private static Mono<ServerResponse> badRequest(String param, String message) {
        return ServerResponse.badRequest().contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Json.MAPPER.writeValueAsString(ErrorInfo.invalid("invalid_value", message).toBody(param)));
    }
}
