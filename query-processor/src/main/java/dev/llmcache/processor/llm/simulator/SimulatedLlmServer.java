package dev.llmcache.processor.llm.simulator;

import dev.llmcache.common.serde.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * streaming or not, and {@code GET /v1/models}): an upstream for the pipeline, a baseline for the
 * benchmark, and, with {@link #failWhenPromptContains}, a faulty upstream for tests.
 *
 * <p>Run it on its own with {@code java -jar standalone.jar simulator [--port 8081]
 * [--first-token-ms 300] [--tokens-per-second 50] [--host 127.0.0.1]}.
 */
public final class SimulatedLlmServer implements AutoCloseable {

    public static final String FINGERPRINT = "llmcache-simulated";

    /** A failure the server can be told to produce. */
    public enum Fault {
        /** Answer HTTP 500 with an OpenAI error body. */
        HTTP_500,
        /** Accept the request and never answer. */
        HANG,
        /** Stream a few tokens, then close the connection without finishing. */
        CUT_MID_STREAM,
        /** Stream at 10 tokens/s: an answer that surely is still running when others join it. */
        SLOW
    }

    private static final SimulatedLlm SLOW_PACING = new SimulatedLlm(Duration.ofMillis(100), 10);

    private final SimulatedLlm pacing;
    private final DisposableServer server;
    private final AtomicLong requests = new AtomicLong();
    private final Queue<String> prompts = new ConcurrentLinkedQueue<>();
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();

    private SimulatedLlmServer(String host, int port, Duration firstTokenLatency, double tokensPerSecond) {
        this.pacing = new SimulatedLlm(firstTokenLatency, tokensPerSecond);
        this.server = HttpServer.create()
                .host(host)
                .port(port)
                .route(routes -> routes
                        .post("/v1/chat/completions", this::complete)
                        .get("/v1/models", (req, res) -> res.header("Content-Type", "application/json")
                                .sendString(Mono.just("{\"object\":\"list\",\"data\":[]}"))))
                .bindNow();
    }

    public static SimulatedLlmServer start(int port, Duration firstTokenLatency, double tokensPerSecond) {
        return new SimulatedLlmServer("127.0.0.1", port, firstTokenLatency, tokensPerSecond);
    }

    public static void main(String[] args) {
        Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        SimulatedLlmServer server = new SimulatedLlmServer(options.getOrDefault("host", "127.0.0.1"),
                Integer.parseInt(options.getOrDefault("port", "8081")),
                Duration.ofMillis(Long.parseLong(options.getOrDefault("first-token-ms", "300"))),
                Double.parseDouble(options.getOrDefault("tokens-per-second", "50")));
        System.out.println("Simulated LLM listening on " + server.baseUrl());
        server.server.onDispose().block();
    }

    /** The base URL to configure as an OpenAI-compatible upstream (ends in {@code /v1}). */
    public String baseUrl() {
        return "http://" + server.host() + ":" + server.port() + "/v1";
    }

    public long requestCount() {
        return requests.get();
    }

    /** How many requests had a prompt containing {@code text}. */
    public long requestsContaining(String text) {
        return prompts.stream().filter(p -> p.contains(text)).count();
    }

    /** Requests whose prompt contains {@code marker} fail with {@code fault} until {@link #clearFaults()}. */
    public void failWhenPromptContains(String marker, Fault fault) {
        faults.put(marker, fault);
    }

    public void clearFaults() {
        faults.clear();
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
                    String prompt = body.path("messages").toString();
                    prompts.add(prompt);
                    Fault fault = faults.entrySet().stream().filter(f -> prompt.contains(f.getKey()))
                            .map(Map.Entry::getValue).findFirst().orElse(null);
                    if (fault == Fault.HTTP_500) {
                        return error(response, 500, "Simulated upstream failure");
                    }
                    if (fault == Fault.HANG) {
                        return Mono.never();
                    }
                    SimulatedCompletion completion = SimulatedCompletion.of(body);
                    return body.path("stream").asBoolean(false)
                            ? stream(response, body, completion, fault)
                            : whole(response, body, completion);
                });
    }

    private Mono<Void> stream(HttpServerResponse response, ObjectNode request, SimulatedCompletion completion,
                              Fault fault) {
        boolean cut = fault == Fault.CUT_MID_STREAM;
        String id = "chatcmpl-sim-" + UUID.randomUUID();
        String model = request.path("model").asString("simulated");
        Flux<String> tokens = (fault == Fault.SLOW ? SLOW_PACING : pacing).tokens(completion);
        Flux<String> events;
        if (cut) {
            events = tokens.take(3).map(t -> sse(chunk(id, model, t, null)))
                    .concatWith(Flux.error(new IllegalStateException("simulated cut")));
        } else {
            ObjectNode last = chunk(id, model, null, completion.finishReason());
            Flux<String> tail = Flux.just(sse(last));
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

    private Mono<Void> whole(HttpServerResponse response, ObjectNode request, SimulatedCompletion completion) {
        return pacing.tokens(completion).then(Mono.fromCallable(() -> {
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
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putObject("error").put("message", message).put("type", "server_error").putNull("param").putNull("code");
        return response.status(status).header("Content-Type", "application/json")
                .sendString(Mono.just(Json.MAPPER.writeValueAsString(body))).then();
    }
}
