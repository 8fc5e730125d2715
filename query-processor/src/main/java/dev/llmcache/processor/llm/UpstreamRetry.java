package dev.llmcache.processor.llm;

import dev.llmcache.common.llm.LlmProperties;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Tries a failed call again while nothing of it reached anyone: a 429, a 5xx or a broken
 * connection before the first event. Waits an exponential backoff with full jitter (so that
 * many calls failing together do not come back together), or the upstream's {@code Retry-After}
 * when that is longer. Waits on Reactor's timers, never on a thread.
 */
final class UpstreamRetry {

    private final LlmProperties.Retry settings;

    UpstreamRetry(LlmProperties.Retry settings) {
        this.settings = settings;
    }

    /** @param call subscribed once per attempt */
    <T> Flux<T> around(Flux<T> call) {
        return Flux.defer(() -> {
            AtomicBoolean started = new AtomicBoolean();
            return call.doOnNext(event -> started.set(true))
                    .retryWhen(Retry.from(failures -> failures.concatMap(failure -> {
                        Throwable error = failure.failure();
                        long attempts = failure.totalRetries() + 1;
                        Duration wait = started.get() || attempts >= settings.maxAttempts() || !retryable(error)
                                ? null : waitBefore(failure.totalRetries(), error);
                        return wait == null ? Mono.error(error) : Mono.delay(wait);
                    })));
        });
    }

    /** The wait before retry number {@code retry + 1}; null if the upstream asks for longer than allowed. */
    Duration waitBefore(long retry, Throwable error) {
        long ceiling = Math.min(settings.maxBackoff().toMillis(),
                settings.initialBackoff().toMillis() << Math.min(retry, 20));
        Duration backoff = Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling + 1));
        Duration asked = error instanceof LlmCallException call ? call.retryAfter() : null;
        if (asked == null) {
            return backoff;
        }
        if (asked.compareTo(settings.maxRetryAfter()) > 0) {
            return null;
        }
        return asked.compareTo(backoff) > 0 ? asked : backoff;
    }

    /**
     * A passing failure: an upstream status worth another attempt, or a connection that failed or
     * broke (an I/O error). Not the request's fault (4xx), not an open circuit, not a failure that
     * would repeat (malformed stream, an error inside the stream, an answer over a limit).
     */
    static boolean retryable(Throwable error) {
        if (error instanceof CallNotPermittedException) {
            return false;
        }
        if (error instanceof LlmCallException call) {
            return call.passing();
        }
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.io.IOException
                    || cause instanceof org.springframework.web.reactive.function.client.WebClientRequestException) {
                return true;
            }
        }
        return false;
    }
}
