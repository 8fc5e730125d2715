package dev.llmcache.processor.embedding;

import dev.llmcache.processor.llm.EmbeddingCall;
import dev.llmcache.processor.llm.Embeddings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.JsonNode;

/**
 * Gathers the misses of an embeddings request into one upstream call. Each input travels the
 * pipeline as a query of its own (its own cache key, coalescing and cache entry), so the items a
 * client sent together reach the worker one by one, within moments of each other: inputs for the
 * same provider, model and dimensions that arrive within {@code window} of the first go upstream
 * together, at most {@code maxInputs} per call.
 */
public final class EmbeddingBatcher {

    /** One input's vector and its share of the call's tokens. */
    public record Embedded(float[] vector, long promptTokens) {
    }

    /** Inputs that may share a call: token ids and texts never mix (upstreams refuse a mixed array). */
    private record Group(String provider, String model, Integer dimensions, boolean tokens) {
    }

    private record Waiting(JsonNode input, Sinks.One<Embedded> result) {
    }

    private final Duration window;
    private final Duration callTimeout;
    private final int maxInputs;
    private final Scheduler timer;
    private final Map<Group, List<Waiting>> open = new HashMap<>(); // guarded by this

    public EmbeddingBatcher(Duration window, int maxInputs, Scheduler timer) {
        this(window, maxInputs, timer, Duration.ofMinutes(5));
    }

    /** @param callTimeout how long a shared call may take before every input of it fails */
    public EmbeddingBatcher(Duration window, int maxInputs, Scheduler timer, Duration callTimeout) {
        this.window = window;
        this.callTimeout = callTimeout;
        this.maxInputs = maxInputs;
        this.timer = timer;
    }

    /**
     * The vector of {@code input}, from a call of {@code upstream} shared with the inputs that come
     * with it. Cancelling leaves the shared call running for the others.
     *
     * @param upstream makes one upstream call (retries and the circuit breaker go around it, so
     *                 that they count calls, not inputs)
     */
    public Mono<Embedded> embed(String provider, Function<EmbeddingCall, Mono<Embeddings>> upstream, String model,
                                Integer dimensions, JsonNode input) {
        return Mono.defer(() -> {
            Waiting waiting = new Waiting(input, Sinks.one());
            Group group = new Group(provider, model, dimensions, !input.isString());
            List<Waiting> full = null;
            synchronized (this) {
                List<Waiting> batch = open.get(group);
                if (batch == null) {
                    batch = new ArrayList<>();
                    open.put(group, batch);
                    List<Waiting> first = batch;
                    timer.schedule(() -> flush(group, first, upstream), window.toNanos(), TimeUnit.NANOSECONDS);
                }
                batch.add(waiting);
                if (batch.size() >= maxInputs) {
                    open.remove(group);
                    full = batch;
                }
            }
            if (full != null) {
                call(group, full, upstream);
            }
            return waiting.result().asMono();
        });
    }

    /** Sends every open batch now, as if their windows had ended (for tests, which drive time by hand). */
    void flushNow(Function<EmbeddingCall, Mono<Embeddings>> upstream) {
        Map<Group, List<Waiting>> batches;
        synchronized (this) {
            batches = new HashMap<>(open);
            open.clear();
        }
        batches.forEach((group, batch) -> call(group, batch, upstream));
    }

    private void flush(Group group, List<Waiting> batch, Function<EmbeddingCall, Mono<Embeddings>> upstream) {
        synchronized (this) {
            // Already sent when it filled up (and a new batch may have opened since).
            if (!open.remove(group, batch)) {
                return;
            }
        }
        call(group, batch, upstream);
    }

    private void call(Group group, List<Waiting> batch, Function<EmbeddingCall, Mono<Embeddings>> upstream) {
        List<JsonNode> inputs = batch.stream().map(Waiting::input).toList();
        Mono.defer(() -> upstream.apply(new EmbeddingCall(group.model(), inputs, group.dimensions())))
                // The call is shared: no one input's cancellation stops it, so it needs a bound of its own.
                .timeout(callTimeout, Mono.error(() -> new dev.llmcache.processor.llm.LlmCallException(
                        dev.llmcache.common.event.ErrorInfo.upstreamTimeout("No embeddings within "
                                + callTimeout.toSeconds() + " s"))))
                .subscribe(embeddings -> deliver(batch, embeddings),
                        error -> batch.forEach(w -> w.result().tryEmitError(error)));
    }

    /** Tokens are counted per call; each input gets a share proportional to its length. */
    private static void deliver(List<Waiting> batch, Embeddings embeddings) {
        long[] lengths = batch.stream().mapToLong(w -> Math.max(1, w.input().isString()
                ? w.input().stringValue().length() : w.input().size() * 4L)).toArray();
        long total = java.util.Arrays.stream(lengths).sum();
        for (int i = 0; i < batch.size(); i++) {
            long share = Math.max(1, Math.round((double) embeddings.promptTokens() * lengths[i] / total));
            batch.get(i).result().tryEmitValue(new Embedded(embeddings.vectors().get(i), share));
        }
    }
}
