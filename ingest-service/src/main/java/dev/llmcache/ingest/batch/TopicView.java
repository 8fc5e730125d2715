package dev.llmcache.ingest.batch;

import dev.llmcache.common.kafka.TopicTail;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;

/**
 * This instance's view of a compacted topic, kept by a {@link TopicTail} that reads it from its
 * beginning: started before the web server, stopped after it, and reported as a health component
 * with how many items it holds.
 */
abstract class TopicView implements SmartLifecycle, HealthIndicator {

    private final String items;

    /** @param items what the view holds, the name of its count in health */
    TopicView(String items) {
        this.items = items;
    }

    /** The tail that feeds the view. */
    abstract TopicTail<?> tail();

    /** How many items the view holds. */
    abstract int size();

    @Override
    public void start() {
        tail().start();
    }

    @Override
    public void stop() {
        tail().stop();
    }

    @Override
    public boolean isRunning() {
        return tail().isRunning();
    }

    @Override
    public int getPhase() {
        return 0;
    }

    @Override
    public Health health() {
        return Health.status(tail().health().getStatus()).withDetail(items, size()).build();
    }
}
