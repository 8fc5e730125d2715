package dev.llmcache.bench;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Speaks the OpenAI chat-completions API, streaming or not, with non-blocking Reactor Netty I/O
 * (the load generator shares the machine with what it measures, so it must be cheap).
 */
final class ChatClient implements AutoCloseable {

    private final HttpClient http;
    private final ConnectionProvider pool;
    private final Duration timeout;

    /** @param baseUrl the OpenAI base URL, ending in {@code /v1} */
    ChatClient(String baseUrl, int maxConnections, Duration timeout) {
        this(baseUrl, maxConnections, timeout, java.util.Map.of());
    }

    /** @param headers sent with every request, e.g. {@code X-Cache-Semantic: on} */
    ChatClient(String baseUrl, int maxConnections, Duration timeout, java.util.Map<String, String> headers) {
        this.pool = ConnectionProvider.builder("bench").maxConnections(maxConnections)
                .pendingAcquireMaxCount(-1).pendingAcquireTimeout(timeout).build();
        this.http = HttpClient.create(pool).baseUrl(baseUrl)
                .headers(h -> {
                    h.set("Content-Type", "application/json");
                    headers.forEach(h::set);
                });
        this.timeout = timeout;
    }

    static String body(String model, String prompt, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt.replace("\"", "'") + "\"}]}";
    }

    /**
     * @param latencyStart where latency is measured from (the intended start in an open loop)
     * @param keepBody     keep the response body in the result (for content checks)
     */
    Mono<RequestResult> send(String body, boolean stream, long latencyStart, boolean keepBody) {
        return send("/chat/completions", body, stream, latencyStart, keepBody);
    }

    /** @param path under the base URL, e.g. {@code /embeddings} */
    Mono<RequestResult> send(String path, String body, boolean stream, long latencyStart, boolean keepBody) {
        long[] firstByte = {0};
        StringBuilder kept = keepBody ? new StringBuilder() : null;
        boolean[] sawDone = {false};
        boolean[] sawError = {false};
        // The last bytes of the previous buffer: a marker may be split across two buffers.
        String[] tail = {""};
        return http.post().uri(path)
                .send(ByteBufFlux.fromString(Mono.just(body)))
                .response((response, content) -> content
                        .doOnNext(buffer -> {
                            if (firstByte[0] == 0) {
                                firstByte[0] = System.nanoTime();
                            }
                            if (stream || keepBody) {
                                String chunk = buffer.toString(StandardCharsets.UTF_8);
                                String text = tail[0] + chunk;
                                sawDone[0] |= text.contains("[DONE]");
                                sawError[0] |= text.contains("{\"error\"");
                                tail[0] = text.substring(Math.max(0, text.length() - 16));
                                if (kept != null) {
                                    kept.append(chunk);
                                }
                            }
                        })
                        .map(ByteBuf::readableBytes)
                        .then(Mono.fromCallable(() -> {
                            int status = response.status().code();
                            String error = status >= 400 ? "http_" + status
                                    : sawError[0] ? "stream_error"
                                    : stream && !sawDone[0] ? "truncated" : null;
                            // A hit says which tier answered: HIT/memory, HIT/store.
                            String cache = response.responseHeaders().get("X-Cache");
                            String tier = response.responseHeaders().get("X-Cache-Tier");
                            return new RequestResult(latencyStart, firstByte[0], System.nanoTime(), status,
                                    cache != null && tier != null ? cache + "/" + tier : cache, error,
                                    kept == null ? null : kept.toString());
                        })))
                .single()
                .timeout(timeout)
                .onErrorResume(error -> Mono.just(new RequestResult(latencyStart, firstByte[0], System.nanoTime(), 0,
                        null, error instanceof TimeoutException ? "timeout" : "io", null)));
    }

    @Override
    public void close() {
        pool.disposeLater().block(Duration.ofSeconds(5));
    }
}
