package dev.llmcache.replay.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

class PacingTest {

    @Test
    void releasesItemsAtTheRateOnAFixedSchedule() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        List<Integer> released = new CopyOnWriteArrayList<>();
        Pacing.atRate(Flux.range(0, 1000), 20, time).subscribe(released::add);

        time.advanceTimeBy(Duration.ofSeconds(10));

        assertThat(released).hasSize(201); // one at 0 s, then one every 50 ms
        time.advanceTimeBy(Duration.ofMillis(49));
        assertThat(released).hasSize(201);
        time.advanceTimeBy(Duration.ofMillis(1));
        assertThat(released).hasSize(202);
    }

    @Test
    void skipsTicksWhileTheConsumerIsBusyInsteadOfBurstingToCatchUp() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        List<Long> startedAt = new CopyOnWriteArrayList<>();
        // One at a time, each taking 1 s: at 10/s only one a second can start.
        Pacing.atRate(Flux.range(0, 100), 10, time)
                .concatMap(i -> Mono.fromRunnable(() -> startedAt.add(time.now(java.util.concurrent.TimeUnit.MILLISECONDS)))
                        .then(Mono.delay(Duration.ofSeconds(1), time)), 1)
                .subscribe();

        time.advanceTimeBy(Duration.ofSeconds(5));

        assertThat(startedAt).hasSizeBetween(5, 6);
        for (int i = 1; i < startedAt.size(); i++) {
            assertThat(startedAt.get(i) - startedAt.get(i - 1)).isGreaterThanOrEqualTo(1000);
        }
    }

    @Test
    void withoutARatePassesItemsOnAsTheyCome() {
        assertThat(Pacing.atRate(Flux.range(0, 5), 0, VirtualTimeScheduler.create()).collectList().block())
                .containsExactly(0, 1, 2, 3, 4);
    }
}
