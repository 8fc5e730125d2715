package dev.llmcache.ingest.batch;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * Looks a file or batch up in this instance's view of its topic, and if it is not there yet,
 * looks again a moment later: what another instance wrote a moment ago may still be on its way
 * (a client behind a load balancer uploads on one instance and creates the batch on another).
 */
final class Lookup {

    private static final Duration[] AGAIN_AFTER = {Duration.ofMillis(300), Duration.ofMillis(1_200)};

    private Lookup() {
    }

    static <T> Mono<T> eventually(Supplier<Optional<T>> lookup, Supplier<? extends RuntimeException> missing) {
        Mono<T> found = Mono.defer(() -> Mono.justOrEmpty(lookup.get()));
        for (Duration delay : AGAIN_AFTER) {
            Mono<T> before = found;
            found = before.switchIfEmpty(Mono.delay(delay).then(Mono.defer(() -> Mono.justOrEmpty(lookup.get()))));
        }
        return found.switchIfEmpty(Mono.error(missing));
    }
}
