package dev.llmcache.bench;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import me.tongfei.progressbar.ProgressBar;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The two ways to apply load: a closed loop (fixed concurrency) and an open loop (fixed arrival rate). */
final class Load {

    private Load() {
    }

    /** {@code requests} requests, {@code concurrency} at a time; each starts when another finished. */
    static void closedLoop(String task, int requests, int concurrency, IntFunction<Mono<RequestResult>> request,
                           ScenarioRecorder recorder) {
        try (ProgressBar progress = progress(task, requests)) {
            Flux.range(0, requests)
                    .flatMap(i -> request.apply(i).doOnNext(recorder::record).doOnNext(r -> progress.step()),
                            concurrency, 1)
                    .blockLast();
        }
    }

    /**
     * Requests arrive at {@code ratePerSecond} for {@code duration}, whether or not earlier ones
     * finished. Latency counts from each request's intended start, so a stall is charged to every
     * request it delayed (coordinated-omission correction).
     *
     * @param request gets the request index and its intended start (nanoTime)
     */
    static void openLoop(String task, int ratePerSecond, Duration duration, RequestAt request, ScenarioRecorder recorder) {
        int total = (int) (ratePerSecond * duration.toMillis() / 1000);
        long period = 1_000_000_000L / ratePerSecond;
        long origin = System.nanoTime() + 50_000_000L;
        AtomicInteger released = new AtomicInteger();
        try (ProgressBar progress = progress(task, total)) {
            // Every millisecond, release the requests whose intended start has come.
            Flux.interval(Duration.ofMillis(1))
                    .concatMapIterable(tick -> {
                        int due = (int) Math.min(total, Math.max(0, (System.nanoTime() - origin) / period + 1));
                        int from = released.getAndAccumulate(due, Math::max);
                        return IntStream.range(from, Math.max(from, due)).boxed().toList();
                    })
                    .take(total)
                    .flatMap(i -> request.send(i, origin + i * period)
                            .doOnNext(recorder::record).doOnNext(r -> progress.step()), 100_000)
                    .blockLast();
        }
    }

    /** One request of an open loop. */
    @FunctionalInterface
    interface RequestAt {
        Mono<RequestResult> send(int index, long intendedStartNanos);
    }

    private static ProgressBar progress(String task, int total) {
        return ProgressBar.builder().setTaskName(task).setInitialMax(total).setUpdateIntervalMillis(500)
                .continuousUpdate().build();
    }

    /** Convenience for scenarios that start a request now. */
    static Mono<RequestResult> now(ChatClient client, String body, boolean stream, boolean keepBody) {
        return Mono.defer(() -> client.send(body, stream, System.nanoTime(), keepBody));
    }
}
