package dev.llmcache.replay.run;

import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * Releases items at a fixed rate ({@code --rate}, an open loop: a slow answer does not slow the
 * next request's start). When the requests at once are at their bound ({@code --concurrency}), a
 * tick finds nothing to release and is skipped, so the rate is a ceiling and never bursts to catch up.
 */
public final class Pacing {

    private Pacing() {
    }

    /** @param perSecond requests per second; 0 or less for no pacing (as fast as concurrency allows) */
    public static <T> Flux<T> atRate(Flux<T> items, double perSecond, Scheduler timer) {
        if (perSecond <= 0) {
            return items;
        }
        Duration period = Duration.ofNanos(Math.max(1, Math.round(1e9 / perSecond)));
        return Flux.interval(Duration.ZERO, period, timer)
                .onBackpressureDrop()
                .zipWith(items, 1, (tick, item) -> item);
    }
}
