package dev.llmcache.processor.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PartitionCountsTest {

    @Test
    void answersZeroWithoutWaitingUntilTheCountIsLookedUpOffTheCallersThread() throws Exception {
        CountDownLatch metadata = new CountDownLatch(1);
        PartitionCounts counts = new PartitionCounts(topic -> {
            block(metadata); // a producer waiting for metadata
            return List.of(1, 2, 3);
        }, Duration.ofMinutes(5));

        assertThat(counts.of("answers")).isZero();
        metadata.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> counts.of("answers") == 3);
    }

    @Test
    void aFailedLookUpIsTriedAgainOnTheNextAsk() {
        AtomicInteger lookUps = new AtomicInteger();
        PartitionCounts counts = new PartitionCounts(topic -> {
            if (lookUps.incrementAndGet() == 1) {
                throw new IllegalStateException("Kafka away");
            }
            return List.of(1, 2);
        }, Duration.ofMinutes(5));

        counts.of("answers");
        await().atMost(Duration.ofSeconds(5)).until(() -> lookUps.get() == 1 && !counts.known("answers"));
        await().atMost(Duration.ofSeconds(5)).until(() -> counts.of("answers") == 2);
    }

    private static void block(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
