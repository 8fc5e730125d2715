package dev.llmcache.processor.llm;

import dev.llmcache.common.event.Usage;
import dev.llmcache.simulator.SimulatedCompletion;
import dev.llmcache.simulator.SimulatedPacing;
import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * The provider type {@code simulated}: the simulated model in-process, streaming
 * {@link SimulatedCompletion}'s tokens at a set time to first token and token rate.
 */
public final class SimulatedLlm implements LlmClient {

    private final SimulatedPacing pacing;

    public SimulatedLlm(Duration firstTokenLatency, double tokensPerSecond) {
        this.pacing = new SimulatedPacing(firstTokenLatency, tokensPerSecond);
    }

    @Override
    public Flux<LlmStreamEvent> stream(ObjectNode request) {
        SimulatedCompletion completion = SimulatedCompletion.of(request);
        return pacing.tokens(completion)
                .<LlmStreamEvent>map(LlmStreamEvent.Delta::new)
                .concatWith(Mono.just(new LlmStreamEvent.Completed(completion.finishReason(),
                        Usage.of(completion.promptTokens(), completion.tokens().size()))));
    }
}
