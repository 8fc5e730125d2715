package dev.llmcache.cache.analytics;

import dev.llmcache.common.event.CacheEvent;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.LatencyMetric;
import dev.llmcache.common.event.MetricsAggregate;
import dev.llmcache.common.serde.JsonSerde;
import dev.llmcache.common.topic.Topic;
import dev.llmcache.common.topic.Topics;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Analytics over the metric topics:
 *
 * <ul>
 *   <li>tumbling windows per dimension ({@code all}, each model, each tenant) of cache events
 *       (counts by outcome) and latency metrics (latency percentiles from mergeable histograms,
 *       tokens, cost and savings), written to {@code metrics-aggregates} as they change;</li>
 *   <li>live totals by outcome and tier since the topics began;</li>
 *   <li>the live cache entries, their number and size, from the compacted {@code cache-entries}.</li>
 * </ul>
 *
 * Event time is the event's own timestamp; events up to {@code grace} late still count. Aggregates
 * trail the events by up to one combine interval (see {@link PartialSums}).
 */
public final class AnalyticsTopology {

    public static final String WINDOWS_STORE = "window-stats";
    public static final String TOTALS_STORE = "outcome-totals";
    /** The live cache entries, by cache key: what the admin API shows of one entry. */
    public static final String ENTRIES_STORE = "cache-entries-replica";
    public static final String ENTRY_TOTALS_STORE = "cache-entry-totals";
    /** Key of the one row of {@link #ENTRY_TOTALS_STORE}. */
    public static final String ALL = "all";

    static final Serde<WindowStats> WINDOW_STATS = Serdes.serdeFrom(
            (topic, stats) -> JsonSerde.of(WindowStats.State.class).serialize(topic, stats.state()),
            (topic, bytes) -> bytes == null ? null
                    : new WindowStats(JsonSerde.of(WindowStats.State.class).deserialize(topic, bytes)));

    private AnalyticsTopology() {
    }

    /**
     * @param combineInterval how long events are summed in memory before the sums are shuffled
     *                        to the window and totals stores (how fresh the aggregates are)
     */
    public static Topology build(Topics topics, Duration window, Duration grace, Duration combineInterval) {
        StreamsBuilder builder = new StreamsBuilder();
        define(builder, topics, window, grace, combineInterval);
        return builder.build();
    }

    /** Defines the analytics on {@code builder} (spring-kafka hands the application one to fill). */
    public static void define(StreamsBuilder builder, Topics topics, Duration window, Duration grace,
                              Duration combineInterval) {
        Topic<String, CacheEvent> cacheEvents = topics.cacheEvents();
        Topic<String, LatencyMetric> latencyMetrics = topics.latencyMetrics();
        Topic<String, MetricsAggregate> aggregates = topics.metricsAggregates();
        Topic<String, CachedAnswer> cacheEntries = topics.cacheEntries();
        KStream<String, CacheEvent> events = builder.stream(cacheEvents.name(),
                Consumed.with(cacheEvents.keySerde(), cacheEvents.valueSerde()).withTimestampExtractor(
                        (record, previous) -> record.value() instanceof CacheEvent e ? e.timestamp() : record.timestamp()));
        KStream<String, LatencyMetric> latencies = builder.stream(latencyMetrics.name(),
                Consumed.with(latencyMetrics.keySerde(), latencyMetrics.valueSerde()).withTimestampExtractor(
                        (record, previous) -> record.value() instanceof LatencyMetric m ? m.timestamp() : record.timestamp()));

        // Events are summed in memory first (PartialSums) and only the partial sums cross the
        // shuffle: per-event repartition records would cost the broker more than the queries.
        TimeWindows windows = TimeWindows.ofSizeAndGrace(window, grace);
        events.mapValues(Observation::of)
                .merge(latencies.mapValues(Observation::of))
                .process(() -> PartialSums.windowed(combineInterval, windows, AnalyticsTopology::dimensions,
                        WindowStats::new, WindowStats::add))
                .groupByKey(Grouped.with("dimension-partials", Serdes.String(), WINDOW_STATS))
                .windowedBy(windows)
                .aggregate(WindowStats::new, (dimension, partial, stats) -> stats.merge(partial),
                        Materialized.<String, WindowStats, WindowStore<Bytes, byte[]>>as(WINDOWS_STORE)
                                .withKeySerde(Serdes.String()).withValueSerde(WINDOW_STATS))
                .toStream()
                .map((windowed, stats) -> {
                    MetricsAggregate aggregate = toAggregate(windowed.key(), stats,
                            windowed.window().start(), windowed.window().end());
                    return KeyValue.pair(aggregate.key(), aggregate);
                })
                .to(aggregates.name(), Produced.with(aggregates.keySerde(), aggregates.valueSerde()));

        events.process(() -> PartialSums.<CacheEvent, Long>unwindowed(combineInterval,
                        event -> List.of(event.outcome().name() + "|" + event.tier()), () -> 0L,
                        (count, event) -> count + 1))
                .groupByKey(Grouped.with("outcome-partials", Serdes.String(), Serdes.Long()))
                .reduce(Long::sum, Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(TOTALS_STORE)
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()));

        // The live entries (a replica of the cache, for the admin API), and their count and bytes.
        builder.table(cacheEntries.name(), Consumed.with(cacheEntries.keySerde(), cacheEntries.valueSerde()),
                        Materialized.<String, CachedAnswer, KeyValueStore<Bytes, byte[]>>as(ENTRIES_STORE)
                                .withKeySerde(cacheEntries.keySerde()).withValueSerde(cacheEntries.valueSerde()))
                .groupBy((key, answer) -> KeyValue.pair(ALL, (long) answer.content().length()),
                        Grouped.with("entries", Serdes.String(), Serdes.Long()))
                .aggregate(() -> new EntryTotals(0, 0),
                        (key, size, totals) -> new EntryTotals(totals.entries() + 1, totals.bytes() + size),
                        (key, size, totals) -> new EntryTotals(totals.entries() - 1, totals.bytes() - size),
                        Materialized.<String, EntryTotals, KeyValueStore<Bytes, byte[]>>as(ENTRY_TOTALS_STORE)
                                .withKeySerde(Serdes.String()).withValueSerde(JsonSerde.of(EntryTotals.class)));
    }

    /** Live cache entries and the bytes of their answers. */
    public record EntryTotals(long entries, long bytes) {
    }

    /** The dimensions one observation counts in: all traffic, its model, its tenant. */
    static List<String> dimensions(Observation observation) {
        return List.of("all:*", "model:" + observation.model(), "tenant:" + observation.tenant());
    }

    static MetricsAggregate toAggregate(String dimensionKey, WindowStats stats, long start, long end) {
        int colon = dimensionKey.indexOf(':');
        return stats.toAggregate(dimensionKey.substring(0, colon), dimensionKey.substring(colon + 1), start, end);
    }
}
