package dev.llmcache.processor.embedding;

import dev.llmcache.processor.llm.EmbeddingCall;
import dev.llmcache.processor.llm.Embeddings;
import dev.llmcache.processor.llm.LlmCallException;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import reactor.core.publisher.Mono;

/**
 * Per upstream embeddings call (each shared by the inputs gathered into it): its duration by
 * result, and how many inputs it carried. Per input, the worker's {@code llmcache.llm.*} metrics
 * count each input as a call of its own.
 */
public final class EmbeddingCallMetrics {

    private final MeterRegistry meters;

    public EmbeddingCallMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    public Mono<Embeddings> timed(String provider, EmbeddingCall call, Mono<Embeddings> upstream) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            DistributionSummary.builder("llmcache.embeddings.upstream.inputs")
                    .description("Inputs per upstream embeddings call")
                    .tags("provider", provider, "model", call.model())
                    .register(meters).record(call.inputs().size());
            return upstream.doOnSuccess(embeddings -> record(provider, call, "success", start))
                    .doOnError(error -> record(provider, call, error instanceof LlmCallException failed
                            ? failed.error().code() : "error", start));
        });
    }

    private void record(String provider, EmbeddingCall call, String result, long start) {
        Timer.builder("llmcache.embeddings.upstream")
                .description("Upstream embeddings calls (the in-process model included)")
                .tags("provider", provider, "model", call.model(), "result", result == null ? "error" : result)
                .publishPercentileHistogram()
                .register(meters).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
