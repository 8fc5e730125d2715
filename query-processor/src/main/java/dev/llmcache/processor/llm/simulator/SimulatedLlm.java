package dev.llmcache.processor.llm.simulator;

import dev.llmcache.common.event.Usage;
import dev.llmcache.processor.llm.LlmClient;
import dev.llmcache.processor.llm.LlmStreamEvent;
import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * The in-process simulated model: streams {@link SimulatedCompletion}'s tokens at a set time to
 * first token and token rate, on Reactor timers (no thread per call).
 */
public final class SimulatedLlm implements LlmClient {

    private final Duration firstTokenLatency;
    private final Duration tokenInterval;

    public SimulatedLlm(Duration firstTokenLatency, double tokensPerSecond) {
        this.firstTokenLatency = firstTokenLatency;
        this.tokenInterval = Duration.ofNanos((long) (1_000_000_000L / Math.max(0.001, tokensPerSecond)));
    }

    @Override
    public Flux<LlmStreamEvent> stream(ObjectNode request) {
        SimulatedCompletion completion = SimulatedCompletion.of(request);
        return tokens(completion)
                .<LlmStreamEvent>map(LlmStreamEvent.Delta::new)
                .concatWith(Mono.just(new LlmStreamEvent.Completed(completion.finishReason(),
                        Usage.of(completion.promptTokens(), completion.tokens().size()))));
    }

    /** The completion's tokens, paced: the first after the first-token latency, then one per interval. */
    public Flux<String> tokens(SimulatedCompletion completion) {
        Flux<String> rest = Flux.fromIterable(completion.tokens()).skip(1);
        if (!tokenInterval.isZero()) {
            rest = rest.delayElements(tokenInterval);
        }
        Mono<String> first = Mono.just(completion.tokens().get(0));
        if (!firstTokenLatency.isZero()) {
            first = first.delayElement(firstTokenLatency);
        }
        return first.concatWith(rest);
    }
}
