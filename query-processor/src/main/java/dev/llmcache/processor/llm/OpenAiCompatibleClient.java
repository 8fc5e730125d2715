package dev.llmcache.processor.llm;

import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.event.MessageExtras;
import dev.llmcache.common.event.Usage;
import dev.llmcache.common.serde.Json;
import io.netty.channel.ChannelOption;
import java.time.Duration;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Any server speaking the OpenAI chat-completions API with streaming (OpenAI, vLLM, llama.cpp,
 * Ollama's {@code /v1}, LM Studio), called with non-blocking Reactor Netty I/O.
 */
public final class OpenAiCompatibleClient implements LlmClient {

    private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE =
            new ParameterizedTypeReference<>() { };

    /** Upstream statuses worth another attempt: overloaded, timed out or briefly failing. */
    private static final java.util.Set<Integer> PASSING = java.util.Set.of(408, 429, 500, 502, 503, 504);

    private static final int MAX_EMBEDDINGS_ANSWER_BYTES = 64 * 1024 * 1024;

    private final WebClient web;

    public OpenAiCompatibleClient(String name, String baseUrl, String apiKey, Duration connectTimeout, int maxConnections) {
        ConnectionProvider pool = ConnectionProvider.builder("llm-" + name)
                .maxConnections(maxConnections)
                .pendingAcquireMaxCount(-1)
                .maxIdleTime(Duration.ofSeconds(30))
                .metrics(true)
                .build();
        HttpClient http = HttpClient.create(pool)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .compress(true);
        WebClient.Builder builder = WebClient.builder()
                .baseUrl(stripTrailingSlash(baseUrl))
                // An embeddings answer is read whole: 256 inputs of 3,072 floats as JSON are ~20 MB.
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(MAX_EMBEDDINGS_ANSWER_BYTES))
                .clientConnector(new ReactorClientHttpConnector(http));
        if (apiKey != null && !apiKey.isBlank()) {
            builder.defaultHeader("Authorization", "Bearer " + apiKey);
        }
        this.web = builder.build();
    }

    @Override
    public Flux<LlmStreamEvent> stream(ObjectNode request) {
        ObjectNode body = request.deepCopy();
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        return web.post()
                .uri("/chat/completions")
                .contentType(MediaType.APPLICATION_JSON)
                .accept(MediaType.TEXT_EVENT_STREAM)
                .bodyValue(Json.MAPPER.writeValueAsString(body))
                .exchangeToFlux(this::readStream);
    }

    /** {@code POST /embeddings} with every input of the call in one request, vectors as floats. */
    @Override
    public Mono<Embeddings> embed(EmbeddingCall call) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", call.model());
        body.putArray("input").addAll(call.inputs());
        if (call.dimensions() != null) {
            body.put("dimensions", call.dimensions());
        }
        body.put("encoding_format", "float");
        return web.post()
                .uri("/embeddings")
                .contentType(MediaType.APPLICATION_JSON)
                .accept(MediaType.APPLICATION_JSON)
                .bodyValue(Json.MAPPER.writeValueAsString(body))
                .exchangeToMono(response -> {
                    if (response.statusCode().isError()) {
                        return failure(response).flatMap(Mono::error);
                    }
                    return response.bodyToMono(String.class).map(text -> readEmbeddings(text, call.inputs().size(),
                            call.dimensions()));
                });
    }

    /**
     * The vectors by their {@code index}. An answer that does not hold one vector of numbers per
     * input, all of one size (the requested one, if any), is an upstream error: never cached.
     */
    static Embeddings readEmbeddings(String text, int expected, Integer dimensions) {
        JsonNode answer;
        try {
            answer = Json.MAPPER.readTree(text);
        } catch (tools.jackson.core.JacksonException e) {
            throw new LlmCallException(ErrorInfo.upstream("The embeddings answer is not JSON: " + e.getOriginalMessage()));
        }
        float[][] vectors = new float[expected][];
        int size = dimensions == null ? -1 : dimensions;
        for (JsonNode item : answer.path("data")) {
            int index = item.path("index").asInt(-1);
            JsonNode values = item.path("embedding");
            if (index < 0 || index >= expected || !values.isArray() || vectors[index] != null) {
                throw new LlmCallException(ErrorInfo.upstream("The embeddings answer has an unexpected item " + index));
            }
            if (size < 0) {
                size = values.size();
            }
            if (values.size() != size || values.isEmpty()) {
                throw new LlmCallException(ErrorInfo.upstream("The embeddings answer has a vector of " + values.size()
                        + " dimensions where " + size + " were expected"));
            }
            float[] vector = new float[values.size()];
            for (int i = 0; i < vector.length; i++) {
                if (!values.get(i).isNumber()) {
                    throw new LlmCallException(ErrorInfo.upstream("The embeddings answer has a vector that is not numbers"));
                }
                vector[i] = values.get(i).floatValue();
            }
            vectors[index] = vector;
        }
        for (int i = 0; i < expected; i++) {
            if (vectors[i] == null) {
                throw new LlmCallException(ErrorInfo.upstream("The embeddings answer lacks the vector of input " + i));
            }
        }
        return new Embeddings(java.util.Arrays.asList(vectors), answer.path("usage").path("prompt_tokens").asLong(0));
    }

    /** Reachable means an HTTP answer below 500 to {@code GET /models} (an auth error still proves the server is up). */
    @Override
    public Mono<Void> probe() {
        return web.get().uri("/models").exchangeToMono(response -> response.statusCode().is5xxServerError()
                ? Mono.error(new LlmCallException(upstreamError(response.statusCode(), "")))
                : response.releaseBody());
    }

    private Flux<LlmStreamEvent> readStream(ClientResponse response) {
        if (response.statusCode().isError()) {
            return failure(response).flatMapMany(Flux::error);
        }
        StreamState state = new StreamState();
        return response.bodyToFlux(SSE)
                .mapNotNull(ServerSentEvent::data)
                .takeUntil("[DONE]"::equals)
                .concatMap(data -> Flux.fromIterable(state.accept(data)))
                .concatWith(Mono.defer(() -> Mono.justOrEmpty(state.completion())));
    }

    /** What an error status of the upstream means for the call: its error, wait and whether to try again. */
    private static Mono<LlmCallException> failure(ClientResponse response) {
        Duration retryAfter = retryAfter(response.headers().asHttpHeaders());
        return response.bodyToMono(String.class).defaultIfEmpty("")
                .map(text -> new LlmCallException(upstreamError(response.statusCode(), text), retryAfter,
                        PASSING.contains(response.statusCode().value())));
    }

    /**
     * The wait an upstream asks for: {@code retry-after-ms} (OpenAI, Azure), else {@code Retry-After}
     * in seconds or as an HTTP date; null if it says nothing readable.
     */
    static Duration retryAfter(HttpHeaders headers) {
        try {
            String millis = headers.getFirst("retry-after-ms");
            if (millis != null) {
                return Duration.ofMillis(Math.max(0, (long) Double.parseDouble(millis.strip())));
            }
            String value = headers.getFirst(HttpHeaders.RETRY_AFTER);
            if (value == null || value.isBlank()) {
                return null;
            }
            if (value.strip().chars().allMatch(Character::isDigit)) {
                return Duration.ofSeconds(Long.parseLong(value.strip()));
            }
            Duration until = Duration.between(java.time.Instant.now(),
                    java.time.ZonedDateTime.parse(value.strip(), java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME));
            return until.isNegative() ? Duration.ZERO : until;
        } catch (RuntimeException unreadable) {
            return null;
        }
    }

    /** Maps the upstream's error status to what the client sees; upstream 4xx means the request itself. */
    static ErrorInfo upstreamError(HttpStatusCode status, String body) {
        if (status.value() == 401 || status.value() == 403) {
            // Its message may quote the product's provider key (OpenAI shows part of it): never passed on.
            return ErrorInfo.upstream("The upstream refused the product's credentials (HTTP " + status.value() + ")");
        }
        String message = "Upstream answered HTTP " + status.value() + messageOf(body);
        if (status.value() == 400 || status.value() == 404 || status.value() == 422) {
            return new ErrorInfo(400, "invalid_request_error", "upstream_rejected", message);
        }
        if (status.value() == 429) {
            return ErrorInfo.overloaded(message);
        }
        return ErrorInfo.upstream(message);
    }

    private static String messageOf(String body) {
        try {
            String message = Json.MAPPER.readTree(body).path("error").path("message").asString("");
            return message.isEmpty() ? "" : ": " + message;
        } catch (JacksonException e) {
            return "";
        }
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /**
     * Collects finish reason, usage, tool calls and refusal while the stream's chunks go by. Tool
     * calls and refusal may take at most {@link #MAX_EXTRAS_CHARS} together (the worker's answer
     * size limit cannot be set higher): beyond it the call fails at once instead of growing without bound.
     */
    private static final class StreamState {
        static final int MAX_EXTRAS_CHARS = 768 * 1024;

        private String finishReason;
        private Usage usage;
        /** Tool calls by index, assembled from their streamed pieces (id, name, argument fragments). */
        private final java.util.TreeMap<Integer, ObjectNode> toolCalls = new java.util.TreeMap<>();
        /** Their arguments, appended here (not re-concatenated per fragment) and set at completion. */
        private final java.util.Map<Integer, StringBuilder> arguments = new java.util.HashMap<>();
        private final StringBuilder refusal = new StringBuilder();
        private long extrasChars;

        java.util.List<LlmStreamEvent> accept(String data) {
            if ("[DONE]".equals(data)) {
                return java.util.List.of();
            }
            JsonNode chunk;
            try {
                chunk = Json.MAPPER.readTree(data);
            } catch (JacksonException e) {
                throw new LlmCallException(ErrorInfo.upstream("Upstream sent malformed JSON in its stream"));
            }
            if (chunk.has("error")) {
                throw new LlmCallException(ErrorInfo.upstream("Upstream error: "
                        + chunk.path("error").path("message").asString("unknown")));
            }
            JsonNode usageNode = chunk.path("usage");
            if (usageNode.isObject()) {
                usage = new Usage(usageNode.path("prompt_tokens").asInt(), usageNode.path("completion_tokens").asInt(),
                        usageNode.path("total_tokens").asInt());
            }
            JsonNode choice = chunk.path("choices").path(0);
            if (choice.path("finish_reason").isString()) {
                finishReason = choice.path("finish_reason").stringValue();
            }
            JsonNode delta = choice.path("delta");
            delta.path("tool_calls").forEach(this::addToolCallPiece);
            if (delta.path("refusal").isString()) {
                count(delta.path("refusal").stringValue().length());
                refusal.append(delta.path("refusal").stringValue());
            }
            JsonNode content = delta.path("content");
            return content.isString() && !content.stringValue().isEmpty()
                    ? java.util.List.of(new LlmStreamEvent.Delta(content.stringValue()))
                    : java.util.List.of();
        }

        /**
         * The completion marker, only if the upstream said why the answer ended: a stream that
         * just stops, even with {@code [DONE]} (e.g. a proxy that gave up), is a truncated answer.
         */
        LlmStreamEvent.Completed completion() {
            if (finishReason == null) {
                return null;
            }
            ArrayNode calls = Json.MAPPER.createArrayNode();
            toolCalls.forEach((index, call) -> {
                ((ObjectNode) call.get("function")).put("arguments", arguments.get(index).toString());
                calls.add(call);
            });
            return new LlmStreamEvent.Completed(finishReason, usage, MessageExtras.of(calls, refusal.toString()));
        }

        /** One streamed piece of a tool call: the first has its id, type and name; later ones add arguments. */
        private void addToolCallPiece(JsonNode piece) {
            // A piece without an index continues the last call.
            int index = piece.path("index").asInt(toolCalls.isEmpty() ? 0 : toolCalls.lastKey());
            ObjectNode call = toolCalls.computeIfAbsent(index, i -> {
                count(64);
                arguments.put(i, new StringBuilder());
                ObjectNode created = Json.MAPPER.createObjectNode();
                created.put("id", "");
                created.put("type", "function");
                created.putObject("function").put("name", "").put("arguments", "");
                return created;
            });
            if (!piece.path("id").asString("").isEmpty()) {
                call.put("id", piece.path("id").asString());
            }
            if (!piece.path("type").asString("").isEmpty()) {
                call.put("type", piece.path("type").asString());
            }
            ObjectNode function = (ObjectNode) call.get("function");
            JsonNode fragment = piece.path("function");
            // The name comes whole (some providers repeat it in every piece); arguments come in fragments.
            if (function.path("name").asString("").isEmpty() && !fragment.path("name").asString("").isEmpty()) {
                function.put("name", fragment.path("name").asString());
            }
            if (fragment.path("arguments").isString()) {
                count(fragment.path("arguments").stringValue().length());
                arguments.get(index).append(fragment.path("arguments").stringValue());
            }
        }

        private void count(int chars) {
            extrasChars += chars;
            if (extrasChars > MAX_EXTRAS_CHARS) {
                throw new LlmCallException(ErrorInfo.upstream("The answer's tool calls are larger than "
                        + MAX_EXTRAS_CHARS / 1024 + " KB"));
            }
        }
    }
}
