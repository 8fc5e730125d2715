package dev.llmcache.cache.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import dev.llmcache.common.event.CacheEvent.Outcome;
import dev.llmcache.common.event.CacheEvent;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.LatencyMetric;
import dev.llmcache.common.event.MetricsAggregate;
import dev.llmcache.common.topic.Topic;
import dev.llmcache.common.topic.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AnalyticsTopologyTest {

    private static final Topics TOPICS = new Topics("t.");
    private static final long MINUTE = 60_000;
    private static final Duration COMBINE_INTERVAL = Duration.ofSeconds(1);

    private TopologyTestDriver driver;
    private TestInputTopic<String, CacheEvent> events;
    private TestInputTopic<String, LatencyMetric> latencies;
    private TestInputTopic<String, CachedAnswer> entries;

    @BeforeEach
    void setUp() {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "analytics-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(AnalyticsTopology.build(TOPICS, Duration.ofMinutes(1), Duration.ofSeconds(10),
                COMBINE_INTERVAL), config);
        events = input(TOPICS.cacheEvents());
        latencies = input(TOPICS.latencyMetrics());
        entries = input(TOPICS.cacheEntries());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void countsOutcomesAndHitRatePerModelTenantAndOverall() {
        event(1_000, "m1", "t1", Outcome.MISS);
        event(2_000, "m1", "t1", Outcome.HIT);
        event(3_000, "m1", "t2", Outcome.HIT);
        event(4_000, "m2", "t2", Outcome.COALESCED);

        Map<String, MetricsAggregate> out = aggregates();

        assertThat(out.get("all:*@0").requests()).isEqualTo(4);
        assertThat(out.get("all:*@0").hitRate()).isEqualTo(0.5);
        assertThat(out.get("model:m1@0").outcomes()).containsEntry("HIT", 2L).containsEntry("MISS", 1L);
        assertThat(out.get("model:m1@0").hitRate()).isCloseTo(2.0 / 3, within(1e-9));
        assertThat(out.get("tenant:t2@0").requests()).isEqualTo(2);
        assertThat(out.get("model:m2@0").outcomes()).containsExactly(Map.entry("COALESCED", 1L));
    }

    @Test
    void shufflesOnePartialSumPerWindowAndDimensionPerCombineIntervalNotOneRecordPerEvent() {
        TestOutputTopic<String, byte[]> partials = driver.createOutputTopic(
                "analytics-test-dimension-partials-repartition", new StringDeserializer(), new ByteArrayDeserializer());
        for (int i = 0; i < 100; i++) {
            event(1_000 + i, "m", "t", Outcome.HIT);
        }
        assertThat(partials.isEmpty()).as("nothing is shuffled before the interval ends").isTrue();

        Map<String, MetricsAggregate> out = aggregates();

        assertThat(partials.readKeyValuesToList()).extracting(kv -> kv.key)
                .containsExactlyInAnyOrder("all:*", "model:m", "tenant:t");
        assertThat(out.get("all:*@0").requests()).isEqualTo(100);
    }

    @Test
    void percentilesComeFromTheWholeDistributionNotFromAverages() {
        for (int millis = 1; millis <= 100; millis++) {
            latency(1_000 + millis, "m", Outcome.MISS, millis, 0, 0);
        }

        MetricsAggregate.Percentiles latency = aggregates().get("model:m@0").latencyMillis();

        assertThat(latency.count()).isEqualTo(100);
        assertThat(latency.p50()).isEqualTo(50);
        assertThat(latency.p95()).isEqualTo(95);
        assertThat(latency.p99()).isEqualTo(99);
        assertThat(latency.max()).isEqualTo(100);
    }

    @Test
    void sumsTokensCostAndSavingsAndComputesTheSpeedup() {
        latency(1_000, "m", Outcome.MISS, 2_000, 0.01, 0);
        latency(2_000, "m", Outcome.HIT, 4, 0, 0.01);
        latency(3_000, "m", Outcome.HIT, 4, 0, 0.01);

        MetricsAggregate m = aggregates().get("model:m@0");

        assertThat(m.costUsd()).isCloseTo(0.01, within(1e-12));
        assertThat(m.costSavedUsd()).isCloseTo(0.02, within(1e-12));
        assertThat(m.tokensSaved()).isEqualTo(20);
        assertThat(m.timeSavedMillis()).isEqualTo(4_000);
        assertThat(m.speedup()).isCloseTo(500, org.assertj.core.data.Percentage.withPercentage(2));
    }

    @Test
    void lateEventsCountWithinTheGracePeriodAndAreDroppedAfterIt() {
        event(30_000, "m", "t", Outcome.MISS);
        event(65_000, "m", "t", Outcome.MISS);   // stream time 65 s: window [0, 60) still open (grace 10 s)
        event(50_000, "m", "t", Outcome.HIT);    // late, within grace: counted in [0, 60)
        event(75_000, "m", "t", Outcome.MISS);   // stream time 75 s: window [0, 60) closed
        event(55_000, "m", "t", Outcome.HIT);    // too late: dropped

        Map<String, MetricsAggregate> out = aggregates();

        assertThat(out.get("model:m@0").requests()).isEqualTo(2);
        assertThat(out.get("model:m@0").outcomes()).containsEntry("HIT", 1L);
        assertThat(out.get("model:m@" + MINUTE).requests()).isEqualTo(2);
    }

    @Test
    void keepsLiveTotalsByOutcomeAndTier() {
        event(1_000, "m", "t", Outcome.HIT);
        event(2_000, "m", "t", Outcome.HIT);
        event(3_000, "m", "t", Outcome.ERROR);

        driver.advanceWallClockTime(COMBINE_INTERVAL);
        KeyValueStore<String, Long> totals = driver.getKeyValueStore(AnalyticsTopology.TOTALS_STORE);

        assertThat(totals.get("HIT|STATE_STORE")).isEqualTo(2);
        assertThat(totals.get("ERROR|NONE")).isEqualTo(1);
    }

    @Test
    void countsLiveCacheEntriesFromTheCompactedLog() {
        entries.pipeInput("k1", answer("k1", "12345"));
        entries.pipeInput("k2", answer("k2", "123"));
        entries.pipeInput("k1", answer("k1", "1234567"));
        entries.pipeInput("k2", (CachedAnswer) null);

        KeyValueStore<String, AnalyticsTopology.EntryTotals> totals =
                driver.getKeyValueStore(AnalyticsTopology.ENTRY_TOTALS_STORE);

        assertThat(totals.get(AnalyticsTopology.ALL)).isEqualTo(new AnalyticsTopology.EntryTotals(1, 7));
    }

    /** The aggregates once the events' partial sums have been forwarded. */
    private Map<String, MetricsAggregate> aggregates() {
        driver.advanceWallClockTime(COMBINE_INTERVAL);
        Topic<String, MetricsAggregate> aggregates = TOPICS.metricsAggregates();
        return driver.createOutputTopic(aggregates.name(), aggregates.keySerde().deserializer(),
                aggregates.valueSerde().deserializer()).readKeyValuesToMap();
    }

    private <V> TestInputTopic<String, V> input(Topic<String, V> topic) {
        return driver.createInputTopic(topic.name(), topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    private void event(long timestamp, String model, String tenant, Outcome outcome) {
        events.pipeInput("key", new CacheEvent(CacheEvent.SCHEMA_VERSION, UUID.randomUUID().toString(), timestamp,
                tenant, tenant, model, "key", outcome, outcome == Outcome.HIT ? "STATE_STORE" : outcome == Outcome.ERROR
                ? "NONE" : "LLM", null, null, CacheEvent.LIVE));
    }

    private void latency(long timestamp, String model, Outcome outcome, long millis, double cost, double saved) {
        boolean hit = outcome == Outcome.HIT;
        latencies.pipeInput(model, new LatencyMetric(LatencyMetric.SCHEMA_VERSION, UUID.randomUUID().toString(),
                timestamp, "t", model, outcome, 1L, millis, hit ? null : millis, millis, 5, 10, cost,
                hit ? 2_000 : 0, saved, hit ? 10 : 0, CacheEvent.LIVE));
    }

    private static CachedAnswer answer(String key, String content) {
        return new CachedAnswer(CachedAnswer.SCHEMA_VERSION, key, "ns", "m", content, "stop", null, 0, 1, 1, null);
    }
}
