package dev.llmcache.cache.app;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The cache-service's analytics.
 *
 * @param window          length of the tumbling windows of {@code metrics-aggregates}
 * @param grace           how late an event may arrive and still count in its window
 * @param combineInterval how long events are summed in memory before they reach the windows (the
 *                        aggregates trail the events by up to this much)
 * @param applicationId   Kafka Streams application id of the analytics
 * @param stateDir        where its stores live
 * @param capacityEntries the cache capacity the fill ratio is measured against (the processor's
 *                        {@code llmcache.processor.max-entries})
 */
@ConfigurationProperties("llmcache.analytics")
public record AnalyticsProperties(
        @DefaultValue("1m") Duration window,
        @DefaultValue("30s") Duration grace,
        @DefaultValue("1s") Duration combineInterval,
        @DefaultValue("llmcache-analytics") String applicationId,
        @DefaultValue("./data/analytics") String stateDir,
        @DefaultValue("1000000") long capacityEntries) {
}
