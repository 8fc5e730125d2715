package dev.llmcache.simulator;

import dev.llmcache.common.serde.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The simulated model as an OpenAI-compatible HTTP server ({@code POST /v1/chat/completions},
 * streaming or not, and {@code GET /v1/models}): an upstream for the pipeline and a baseline for
 * the benchmark. How it answers each request is its {@link Behaviour}: by default as the simulated
 * model; tests plug in failures (the test-jar's {@code FaultyUpstream}).
 *
 * <p>Run it on its own with {@code java -jar standalone.jar simulator [--port 8081]
 * [--first-token-ms 300] [--tokens-per-second 50] [--host 127.0.0.1]}.
 */
public final class SimulatedLlmServer implements AutoCloseable {

    public static final String FINGERPRINT = "llmcache-simulated";

    /** Decides how the server answers one chat-completion request. */
    @FunctionalInterface
    public interface Behaviour {
        Mono<Void> answer(ObjectNode request, Responder responder);
    }

    /** Answers every request as the simulated model. */
    public static final Behaviour SIMULATED_MODEL = (request, responder) -> responder.answer();

    private final SimulatedPacing pacing;
    private final Behaviour behaviour;
    private final DisposableServer server;
    private final AtomicLong requests = new AtomicLong();
    private final java.util.Queue<java.util.List<String>> embeddingCalls = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private SimulatedLlmServer(String host, int port, SimulatedPacing pacing, Behaviour behaviour) {
        this.pacing = pacing;
        this.behaviour = behaviour;
        this.server = HttpServer.create()
                .host(host)
                .port(port)
                .route(routes -> routes
                        .post("/v1/chat/completions", this::complete)
                        .post("/v1/embeddings", this::embed)
                        .get("/v1/models", (req, res) -> res.header("Content-Type", "application/json")
                                .sendString(Mono.just("{\"object\":\"list\",\"data\":[]}"))))
                .bindNow();
    }

    public static SimulatedLlmServer start(int port, Duration firstTokenLatency, double tokensPerSecond) {
        return start(port, new SimulatedPacing(firstTokenLatency, tokensPerSecond), SIMULATED_MODEL);
    }

    /** On 127.0.0.1; {@code port} 0 for any free port. */
    public static SimulatedLlmServer start(int port, SimulatedPacing pacing, Behaviour behaviour) {
        return new SimulatedLlmServer("127.0.0.1", port, pacing, behaviour);
    }

    public static void main(String[] args) {
        Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        SimulatedLlmServer server = new SimulatedLlmServer(options.getOrDefault("host", "127.0.0.1"),
                Integer.parseInt(options.getOrDefault("port", "8081")),
                new SimulatedPacing(Duration.ofMillis(Long.parseLong(options.getOrDefault("first-token-ms", "300"))),
                        Double.parseDouble(options.getOrDefault("tokens-per-second", "50"))),
                SIMULATED_MODEL);
        System.out.println("Simulated LLM listening on " + server.baseUrl());
        server.server.onDispose().block();
    }

    /** The base URL to configure as an OpenAI-compatible upstream (ends in {@code /v1}). */
    public String baseUrl() {
        return "http://" + server.host() + ":" + server.port() + "/v1";
    }

    /** Chat-completion requests received so far. */
    public long requestCount() {
        return requests.get();
    }

    /** The inputs of each embeddings request received so far (token id arrays as their JSON), in arrival order. */
    public java.util.List<java.util.List<String>> embeddingCalls() {
        return java.util.List.copyOf(embeddingCalls);
    }

    @Override
    public void close() {
        server.disposeNow();
    }

    private Mono<Void> complete(HttpServerRequest request, HttpServerResponse response) {
        return request.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                .flatMap(text -> {
                    ObjectNode body;
                    try {
                        body = (ObjectNode) Json.MAPPER.readTree(text);
                    } catch (JacksonException | ClassCastException e) {
                        return error(response, 400, "Request body is not a JSON object");
                    }
                    requests.incrementAndGet();
                    return behaviour.answer(body, new Responder(body, response));
                });
    }

    /**
     * {@code POST /v1/embeddings}: a deterministic unit vector per input (the same text always gets
     * the same vector), {@code dimensions} long (64 by default), a token per word.
     */
    private Mono<Void> embed(HttpServerRequest request, HttpServerResponse response) {
        return request.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                .flatMap(text -> {
                    tools.jackson.databind.JsonNode body;
                    try {
                        body = Json.MAPPER.readTree(text);
                    } catch (JacksonException e) {
                        return error(response, 400, "Request body is not JSON");
                    }
                    tools.jackson.databind.JsonNode input = body.path("input");
                    if (!input.isArray() || input.isEmpty()) {
                        return error(response, 400, "'input' must be a non-empty array");
                    }
                    int dimensions = body.path("dimensions").asInt(64);
                    java.util.List<String> inputs = new java.util.ArrayList<>();
                    ObjectNode answer = Json.MAPPER.createObjectNode().put("object", "list");
                    tools.jackson.databind.node.ArrayNode data = answer.putArray("data");
                    long tokens = 0;
                    for (int i = 0; i < input.size(); i++) {
                        String item = input.get(i).isString() ? input.get(i).stringValue() : input.get(i).toString();
                        inputs.add(item);
                        tokens += item.isBlank() ? 1 : item.strip().split("\\s+").length;
                        tools.jackson.databind.node.ArrayNode vector = data.addObject().put("object", "embedding")
                                .put("index", i).putArray("embedding");
                        for (float value : SimulatedEmbedding.of(item, dimensions)) {
                            vector.add(value);
                        }
                    }
                    embeddingCalls.add(java.util.List.copyOf(inputs));
                    answer.put("model", body.path("model").asString());
                    answer.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
                    return response.header("Content-Type", "application/json")
                            .sendString(Mono.just(Json.MAPPER.writeValueAsString(answer))).then();
                });
    }

    /** The ways the server can answer one request. */
    public final class Responder {

        private final ObjectNode request;
        private final HttpServerResponse response;

        private Responder(ObjectNode request, HttpServerResponse response) {
            this.request = request;
            this.response = response;
        }

        /** As the simulated model, at the server's pace. */
        public Mono<Void> answer() {
            return answer(pacing);
        }

        /** As the simulated model, at another pace. */
        public Mono<Void> answer(SimulatedPacing pace) {
            SimulatedCompletion completion = SimulatedCompletion.of(request);
            return request.path("stream").asBoolean(false)
                    ? stream(response, request, completion, pace, Integer.MAX_VALUE, true)
                    : whole(response, request, completion, pace);
        }

        /** With the given completion instead of the simulated model's, at the server's pace. */
        public Mono<Void> answer(SimulatedCompletion completion) {
            return request.path("stream").asBoolean(false)
                    ? stream(response, request, completion, pacing, Integer.MAX_VALUE, true)
                    : whole(response, request, completion, pacing);
        }

        /** Streams the first {@code tokens} tokens, then drops the connection without finishing. */
        public Mono<Void> cutAfter(int tokens) {
            return stream(response, request, SimulatedCompletion.of(request), pacing, tokens, true);
        }

        /**
         * Streams one function tool call instead of text, as OpenAI does: the call's id and name
         * first, then its arguments in pieces, then {@code finish_reason: tool_calls}.
         */
        public Mono<Void> toolCall(String name, String arguments) {
            String id = "chatcmpl-sim-" + UUID.randomUUID();
            String model = request.path("model").asString("simulated");
            ObjectNode head = chunk(id, model, null, null);
            ObjectNode headDelta = (ObjectNode) head.path("choices").path(0).path("delta");
            headDelta.put("role", "assistant");
            ObjectNode first = headDelta.putArray("tool_calls").addObject().put("index", 0)
                    .put("id", "call_" + UUID.randomUUID().toString().replace("-", "")).put("type", "function");
            first.putObject("function").put("name", name).put("arguments", "");
            Flux<String> pieces = Flux.fromArray(arguments.split("(?<=\\G.{4})")).map(piece -> {
                ObjectNode chunk = chunk(id, model, null, null);
                ((ObjectNode) chunk.path("choices").path(0).path("delta")).putArray("tool_calls").addObject()
                        .put("index", 0).putObject("function").put("arguments", piece);
                return sse(chunk);
            });
            Flux<String> events = Flux.just(sse(head)).concatWith(pieces)
                    .concatWithValues(sse(chunk(id, model, null, "tool_calls")), "data: [DONE]\n\n");
            return response.header("Content-Type", "text/event-stream").sendString(events, StandardCharsets.UTF_8)
                    .then();
        }

        /** Streams every token and {@code [DONE]}, but never says why it ended (no finish reason). */
        public Mono<Void> endWithoutFinishReason() {
            return stream(response, request, SimulatedCompletion.of(request), pacing, Integer.MAX_VALUE, false);
        }

        /** HTTP 429 with {@code Retry-After}, as a rate-limited provider answers. */
        public Mono<Void> rateLimited(Duration retryAfter) {
            return SimulatedLlmServer.error(response, 429, "Rate limit reached", retryAfter);
        }

        /** An HTTP error with an OpenAI error body. */
        public Mono<Void> error(int status, String message) {
            return SimulatedLlmServer.error(response, status, message);
        }
    }

    private static Mono<Void> stream(HttpServerResponse response, ObjectNode request, SimulatedCompletion completion,
                                     SimulatedPacing pace, int cutAfter, boolean finish) {
        String id = "chatcmpl-sim-" + UUID.randomUUID();
        String model = request.path("model").asString("simulated");
        Flux<String> tokens = pace.tokens(completion);
        Flux<String> events;
        if (cutAfter < completion.tokens().size()) {
            events = tokens.take(cutAfter).map(t -> sse(chunk(id, model, t, null)))
                    .concatWith(Flux.error(new IllegalStateException("simulated cut")));
        } else {
            ObjectNode last = chunk(id, model, null, completion.finishReason());
            Flux<String> tail = finish ? Flux.just(sse(last)) : Flux.empty();
            if (request.path("stream_options").path("include_usage").asBoolean(false)) {
                ObjectNode usage = chunk(id, model, null, null);
                usage.set("choices", Json.MAPPER.createArrayNode());
                usage.set("usage", usage(completion));
                tail = tail.concatWithValues(sse(usage));
            }
            events = tokens.map(t -> sse(chunk(id, model, t, null))).concatWith(tail)
                    .concatWithValues("data: [DONE]\n\n");
        }
        return response.header("Content-Type", "text/event-stream")
                .header("Cache-Control", "no-cache")
                .sendString(events, StandardCharsets.UTF_8)
                .then();
    }

    private static Mono<Void> whole(HttpServerResponse response, ObjectNode request, SimulatedCompletion completion,
                                    SimulatedPacing pace) {
        return pace.tokens(completion).then(Mono.fromCallable(() -> {
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.put("id", "chatcmpl-sim-" + UUID.randomUUID());
            body.put("object", "chat.completion");
            body.put("created", System.currentTimeMillis() / 1000);
            body.put("model", request.path("model").asString("simulated"));
            body.put("system_fingerprint", FINGERPRINT);
            ObjectNode choice = body.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", completion.content());
            choice.put("finish_reason", completion.finishReason());
            body.set("usage", usage(completion));
            return Json.MAPPER.writeValueAsString(body);
        })).flatMap(json -> response.header("Content-Type", "application/json").sendString(Mono.just(json)).then());
    }

    private static ObjectNode chunk(String id, String model, String token, String finishReason) {
        ObjectNode chunk = Json.MAPPER.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", System.currentTimeMillis() / 1000);
        chunk.put("model", model);
        chunk.put("system_fingerprint", FINGERPRINT);
        ArrayNode choices = chunk.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (token != null) {
            delta.put("content", token);
        }
        if (finishReason != null) {
            choice.put("finish_reason", finishReason);
        } else {
            choice.putNull("finish_reason");
        }
        return chunk;
    }

    private static ObjectNode usage(SimulatedCompletion completion) {
        ObjectNode usage = Json.MAPPER.createObjectNode();
        usage.put("prompt_tokens", completion.promptTokens());
        usage.put("completion_tokens", completion.tokens().size());
        usage.put("total_tokens", completion.promptTokens() + completion.tokens().size());
        return usage;
    }

    private static String sse(ObjectNode data) {
        return "data: " + Json.MAPPER.writeValueAsString(data) + "\n\n";
    }

    private static Mono<Void> error(HttpServerResponse response, int status, String message) {
        return error(response, status, message, null);
    }

    private static Mono<Void> error(HttpServerResponse response, int status, String message, Duration retryAfter) {
        if (retryAfter != null) {
            response.header("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putObject("error").put("message", message).put("type", "server_error").putNull("param").putNull("code");
        return response.status(status).header("Content-Type", "application/json")
                .sendString(Mono.just(Json.MAPPER.writeValueAsString(body))).then();
    }
}
