package dev.llmcache.cache.analytics;

import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.MetricsAggregate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/** Reads the analytics stores of this instance: recent windows, live totals, cache entries. */
public final class AnalyticsQueries {

    /** Live totals since the metric topics began. */
    public record Totals(long requests, Map<String, Long> byOutcome, Map<String, Long> byTier) {
    }

    private final StoreAccess stores;

    public AnalyticsQueries(StoreAccess stores) {
        this.stores = stores;
    }

    /** Whether the stores can be read (the analytics are running). */
    public boolean ready() {
        return stores.store(AnalyticsTopology.TOTALS_STORE, QueryableStoreTypes.keyValueStore()) != null;
    }

    /**
     * The windows of one dimension that started in [{@code from}, {@code to}], oldest first.
     *
     * @param dimension {@code all}, {@code model} or {@code tenant}
     * @param value     the model or tenant ({@code *} for all)
     */
    public List<MetricsAggregate> windows(String dimension, String value, Instant from, Instant to, long windowMillis) {
        ReadOnlyWindowStore<String, WindowStats> store =
                stores.store(AnalyticsTopology.WINDOWS_STORE, QueryableStoreTypes.windowStore());
        List<MetricsAggregate> windows = new ArrayList<>();
        if (store == null) {
            return windows;
        }
        String key = dimension + ":" + value;
        try (WindowStoreIterator<WindowStats> it = store.fetch(key, from, to)) {
            while (it.hasNext()) {
                KeyValue<Long, WindowStats> window = it.next();
                windows.add(AnalyticsTopology.toAggregate(key, window.value, window.key, window.key + windowMillis));
            }
        }
        return windows;
    }

    public Totals totals() {
        ReadOnlyKeyValueStore<String, Long> store =
                stores.store(AnalyticsTopology.TOTALS_STORE, QueryableStoreTypes.keyValueStore());
        Map<String, Long> byOutcome = new TreeMap<>();
        Map<String, Long> byTier = new TreeMap<>();
        long requests = 0;
        if (store != null) {
            try (KeyValueIterator<String, Long> it = store.all()) {
                while (it.hasNext()) {
                    KeyValue<String, Long> row = it.next();
                    String[] outcomeAndTier = row.key.split("\\|", 2);
                    byOutcome.merge(outcomeAndTier[0], row.value, Long::sum);
                    byTier.merge(outcomeAndTier.length > 1 ? outcomeAndTier[1] : "NONE", row.value, Long::sum);
                    requests += row.value;
                }
            }
        }
        return new Totals(requests, byOutcome, byTier);
    }

    /** Whether cache entries can be read now (the entries store is running, not restoring). */
    public boolean entriesReady() {
        return stores.store(AnalyticsTopology.ENTRIES_STORE, QueryableStoreTypes.keyValueStore()) != null;
    }

    /** The cache entry of {@code key} in this instance's replica, or null. */
    public CachedAnswer entry(String key) {
        ReadOnlyKeyValueStore<String, CachedAnswer> store =
                stores.store(AnalyticsTopology.ENTRIES_STORE, QueryableStoreTypes.keyValueStore());
        try {
            return store == null ? null : store.get(key);
        } catch (org.apache.kafka.streams.errors.InvalidStateStoreException rebalancing) {
            return null;
        }
    }

    public AnalyticsTopology.EntryTotals entries() {
        ReadOnlyKeyValueStore<String, AnalyticsTopology.EntryTotals> store =
                stores.store(AnalyticsTopology.ENTRY_TOTALS_STORE, QueryableStoreTypes.keyValueStore());
        AnalyticsTopology.EntryTotals totals = store == null ? null : store.get(AnalyticsTopology.ALL);
        return totals == null ? new AnalyticsTopology.EntryTotals(0, 0) : totals;
    }
}
