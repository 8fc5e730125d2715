package dev.llmcache.simulator;

import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * How fast the simulated model answers: a time to first token, then a steady token rate. Paced on
 * Reactor timers, so a simulated call holds no thread.
 */
public record SimulatedPacing(Duration firstTokenLatency, double tokensPerSecond) {

    /** The completion's tokens: the first after the first-token latency, then one per interval. */
    public Flux<String> tokens(SimulatedCompletion completion) {
        Duration interval = Duration.ofNanos((long) (1_000_000_000L / Math.max(0.001, tokensPerSecond)));
        Flux<String> rest = Flux.fromIterable(completion.tokens()).skip(1);
        if (!interval.isZero()) {
            rest = rest.delayElements(interval);
        }
        Mono<String> first = Mono.just(completion.tokens().get(0));
        if (!firstTokenLatency.isZero()) {
            first = first.delayElement(firstTokenLatency);
        }
        return first.concatWith(rest);
    }
}
