package dev.llmcache.simulator;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * The simulated LLM server as the tests' upstream: it remembers every prompt (to count upstream
 * calls) and fails on command for requests whose prompt contains a marker.
 */
public final class FaultyUpstream implements AutoCloseable {

    /** A failure the upstream can be told to produce. */
    public enum Fault {
        /** Answer HTTP 500 with an OpenAI error body. */
        HTTP_500,
        /** Accept the request and never answer. */
        HANG,
        /** Stream a few tokens, then close the connection without finishing. */
        CUT_MID_STREAM,
        /** Stream at 10 tokens/s: an answer that surely is still running when others join it. */
        SLOW,
        /** Stream every token and [DONE], but no finish reason (as a proxy that gave up might). */
        NO_FINISH_REASON,
        /** Answer with a call of the tool {@code get_weather} instead of text. */
        TOOL_CALL,
        /** Answer HTTP 429 with {@code Retry-After: 1}. */
        HTTP_429,
        /** Answer HTTP 503 (no Retry-After). */
        HTTP_503,
        /** Answer {@link #MULTILINE_ANSWER}: text that looks like SSE framing if not escaped. */
        MULTILINE
    }

    /** The arguments of the tool call that {@link Fault#TOOL_CALL} answers with. */
    public static final String TOOL_CALL_ARGUMENTS = "{\"city\":\"Paris\",\"unit\":\"celsius\"}";

    /** What {@link Fault#MULTILINE} answers, in these tokens. */
    public static final List<String> MULTILINE_TOKENS = List.of("line one\n", "\ndata: [DONE]\n\n",
            "event: error\r\n", "data: {\"injected\":true}\n\n", "\u2028last line");
    public static final String MULTILINE_ANSWER = String.join("", MULTILINE_TOKENS);

    private static final SimulatedPacing SLOW_PACING = new SimulatedPacing(Duration.ofMillis(100), 10);

    private final Queue<String> prompts = new ConcurrentLinkedQueue<>();
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> remaining = new ConcurrentHashMap<>();
    private final SimulatedLlmServer server;

    private FaultyUpstream(Duration firstTokenLatency, double tokensPerSecond) {
        this.server = SimulatedLlmServer.start(0, new SimulatedPacing(firstTokenLatency, tokensPerSecond),
                this::answer);
    }

    /** On a free port of 127.0.0.1. */
    public static FaultyUpstream start(Duration firstTokenLatency, double tokensPerSecond) {
        return new FaultyUpstream(firstTokenLatency, tokensPerSecond);
    }

    public String baseUrl() {
        return server.baseUrl();
    }

    /** The inputs of each embeddings request received so far, in arrival order. */
    public List<List<String>> embeddingCalls() {
        return server.embeddingCalls();
    }

    /** How many requests had a prompt containing {@code text}. */
    public long requestsContaining(String text) {
        return prompts.stream().filter(p -> p.contains(text)).count();
    }

    /** Requests whose prompt contains {@code marker} fail with {@code fault} until {@link #clearFaults()}. */
    public void failWhenPromptContains(String marker, Fault fault) {
        faults.put(marker, fault);
    }

    /** The first {@code times} requests whose prompt contains {@code marker} fail with {@code fault}. */
    public void failFirstTimes(String marker, Fault fault, int times) {
        faults.put(marker, fault);
        remaining.put(marker, new java.util.concurrent.atomic.AtomicInteger(times));
    }

    public void clearFaults() {
        faults.clear();
        remaining.clear();
    }

    @Override
    public void close() {
        server.close();
    }

    private Mono<Void> answer(ObjectNode request, SimulatedLlmServer.Responder responder) {
        String prompt = request.path("messages").toString();
        prompts.add(prompt);
        Fault fault = faults.entrySet().stream().filter(f -> prompt.contains(f.getKey()))
                .filter(f -> !remaining.containsKey(f.getKey()) || remaining.get(f.getKey()).getAndDecrement() > 0)
                .map(Map.Entry::getValue).findFirst().orElse(null);
        if (fault == null) {
            return responder.answer();
        }
        return switch (fault) {
            case HTTP_500 -> responder.error(500, "Simulated upstream failure");
            case HANG -> Mono.never();
            case CUT_MID_STREAM -> responder.cutAfter(3);
            case SLOW -> responder.answer(SLOW_PACING);
            case NO_FINISH_REASON -> responder.endWithoutFinishReason();
            case TOOL_CALL -> responder.toolCall("get_weather", TOOL_CALL_ARGUMENTS);
            case HTTP_429 -> responder.rateLimited(Duration.ofSeconds(1));
            case HTTP_503 -> responder.error(503, "Simulated overload");
            case MULTILINE -> responder.answer(new SimulatedCompletion(MULTILINE_TOKENS, "stop", 5));
        };
    }
}
