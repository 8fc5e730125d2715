package dev.llmcache.replay.run;

import dev.llmcache.replay.ReplayJson;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Sends replayed requests to a running product's {@code /v1/chat/completions} with non-blocking
 * Reactor Netty I/O, retrying what the {@link RetryPolicy} says is transient, and reads the
 * pipeline's view of each answer from its headers ({@code X-Cache}, {@code X-Cache-Tier},
 * {@code X-Cache-Key}).
 */
public final class ReplayClient implements AutoCloseable {

    /** Request header that marks a request as replayed: metric topics and Prometheus tell it from live traffic. */
    public static final String ORIGIN_HEADER = "X-Llmcache-Origin";
    public static final String ORIGIN_REPLAY = "replay";
    public static final String NAMESPACE_HEADER = "X-Cache-Namespace";

    private final HttpClient http;
    private final ConnectionProvider pool;
    private final Duration timeout;
    private final RetryPolicy retries;

    private record Attempt(Exchange exchange, String retryAfter) {
    }

    /**
     * @param baseUrl the product's OpenAI base URL, ending in {@code /v1}
     * @param headers sent with every request (authorization, namespace, cache control)
     * @param timeout for one attempt, from sending to the whole answer
     */
    public ReplayClient(String baseUrl, Map<String, String> headers, int maxConnections, Duration timeout,
                        RetryPolicy retries) {
        this.pool = ConnectionProvider.builder("replay").maxConnections(maxConnections)
                .pendingAcquireMaxCount(-1).pendingAcquireTimeout(timeout).build();
        this.http = HttpClient.create(pool).baseUrl(baseUrl.replaceAll("/+$", "")).headers(h -> {
            h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            h.set(ORIGIN_HEADER, ORIGIN_REPLAY);
            headers.forEach(h::set);
        });
        this.timeout = timeout;
        this.retries = retries;
    }

    /**
     * Sends one request (again, while the retry policy says so); never fails: errors are in the exchange.
     *
     * @param namespace the request's cache namespace ({@code X-Cache-Namespace}); null for the client's default
     */
    public Mono<Exchange> send(ObjectNode body, String namespace) {
        String json = ReplayJson.MAPPER.writeValueAsString(body);
        HttpClient request = namespace == null ? http : http.headers(h -> h.set(NAMESPACE_HEADER, namespace));
        return attempt(request, json, 0);
    }

    private Mono<Exchange> attempt(HttpClient request, String json, int retriesSoFar) {
        return once(request, json).flatMap(attempt -> retries.nextWait(attempt.exchange(), retriesSoFar,
                        attempt.retryAfter())
                .map(wait -> Mono.delay(wait).then(Mono.defer(() -> attempt(request, json, retriesSoFar + 1))))
                .orElseGet(() -> Mono.just(attempt.exchange().withAttempts(retriesSoFar + 1))));
    }

    private Mono<Attempt> once(HttpClient request, String json) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            long startedAt = System.currentTimeMillis();
            return request.post().uri("/chat/completions")
                    .send(ByteBufFlux.fromString(Mono.just(json)))
                    .response((response, content) -> {
                        long head = System.nanoTime();
                        return content.aggregate().asString().defaultIfEmpty("")
                                .map(text -> new Attempt(exchange(response, text, start, head, startedAt),
                                        response.responseHeaders().get(HttpHeaderNames.RETRY_AFTER)));
                    })
                    .single()
                    .timeout(timeout)
                    .onErrorResume(error -> Mono.just(new Attempt(Exchange.failed(describe(error),
                            isRefused(error), millisSince(start), startedAt), null)));
        });
    }

    private static Exchange exchange(HttpClientResponse response, String text, long start, long head,
                                     long startedAt) {
        var headers = response.responseHeaders();
        return new Exchange(response.status().code(), headers.get("X-Request-ID"), json(text),
                headers.get("X-Cache"), headers.get("X-Cache-Tier"), headers.get("X-Cache-Key"),
                millisSince(start), (head - start) / 1e6, 1, null, false, startedAt);
    }

    private static boolean isRefused(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.net.ConnectException) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode json(String text) {
        if (text.isEmpty()) {
            return null;
        }
        try {
            return ReplayJson.MAPPER.readTree(text);
        } catch (JacksonException e) {
            return ReplayJson.MAPPER.getNodeFactory().stringNode(text);
        }
    }

    private String describe(Throwable error) {
        if (error instanceof TimeoutException) {
            return "No answer within " + timeout.toMillis() + " ms";
        }
        String message = error.getMessage();
        return error.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static double millisSince(long start) {
        return (System.nanoTime() - start) / 1e6;
    }

    @Override
    public void close() {
        pool.dispose();
    }
}
