package dev.llmcache.processor.worker;

import dev.llmcache.common.event.LlmResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** Prometheus metrics of LLM calls, by provider and model: calls, errors, time to first token, duration. */
final class LlmCallMetrics {

    private final MeterRegistry meters;

    LlmCallMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    /** A request dropped without a call: its deadline had passed, nobody waits for its answer. */
    void expired(String provider, String model) {
        Counter.builder("llmcache.llm.requests.expired")
                .description("LLM requests not sent to the LLM because their deadline had passed")
                .tag("provider", provider).tag("model", model)
                .register(meters).increment();
    }

    void record(String provider, String model, LlmResponse outcome) {
        boolean ok = outcome.type() == LlmResponse.Type.DONE;
        String result = ok ? "success" : outcome.error() == null ? "error" : outcome.error().code();
        Counter.builder("llmcache.llm.calls").description("LLM calls by result (success or the error code)")
                .tag("provider", provider).tag("model", model).tag("result", result)
                .register(meters).increment();
        Timer.builder("llmcache.llm.duration").description("Duration of LLM calls")
                .tag("provider", provider).tag("model", model).tag("result", ok ? "success" : "error")
                .register(meters).record(Duration.ofMillis(outcome.durationMillis()));
        if (ok) {
            Timer.builder("llmcache.llm.time.to.first.token").description("Time to first token of LLM calls")
                    .tag("provider", provider).tag("model", model)
                    .register(meters).record(Duration.ofMillis(outcome.firstTokenMillis()));
        }
    }
}
