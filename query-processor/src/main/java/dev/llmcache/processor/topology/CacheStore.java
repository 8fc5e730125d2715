package dev.llmcache.processor.topology;

import dev.llmcache.common.event.CachedAnswer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/** The answer cache of one task: entries with a TTL, checked on read and swept by expiry time. */
final class CacheStore {

    private final KeyValueStore<String, CachedAnswer> entries;
    private final ExpiryIndex expiry;

    CacheStore(ProcessorContext<?, ?> context) {
        this.entries = context.getStateStore(StoreNames.CACHE);
        this.expiry = new ExpiryIndex(context.getStateStore(StoreNames.CACHE_EXPIRY));
    }

    /** The live entry for {@code key}, or null if there is none or it has expired. */
    CachedAnswer get(String key, long now) {
        CachedAnswer answer = entries.get(key);
        return answer == null || answer.isExpiredAt(now) ? null : answer;
    }

    void put(CachedAnswer answer) {
        CachedAnswer previous = entries.get(answer.cacheKey());
        if (previous != null) {
            expiry.remove(previous.expiresAt(), answer.cacheKey());
        }
        entries.put(answer.cacheKey(), answer);
        expiry.add(answer.expiresAt(), answer.cacheKey());
    }

    /** Deletes the entry of {@code key}, if there is one; true if there was. */
    boolean remove(String key) {
        CachedAnswer previous = entries.delete(key);
        if (previous != null) {
            expiry.remove(previous.expiresAt(), key);
        }
        return previous != null;
    }

    /** Up to {@code limit} entries after the key {@code after} (null: from the first), in key order. */
    List<CachedAnswer> scan(String after, int limit) {
        List<CachedAnswer> found = new ArrayList<>();
        try (KeyValueIterator<String, CachedAnswer> it = after == null ? entries.all() : entries.range(after, null)) {
            while (it.hasNext() && found.size() < limit) {
                KeyValue<String, CachedAnswer> next = it.next();
                if (!next.key.equals(after) && next.value != null) {
                    found.add(next.value);
                }
            }
        }
        return found;
    }

    /** Evicts the entries closest to expiry while the store holds more than {@code capacity}. */
    List<String> evictBeyond(long capacity) {
        long excess = entries.approximateNumEntries() - capacity;
        List<String> evicted = new ArrayList<>();
        if (excess <= 0) {
            return evicted;
        }
        for (String key : expiry.pollDue(Long.MAX_VALUE, (int) Math.min(excess, 1000))) {
            if (entries.delete(key) != null) {
                evicted.add(key);
            }
        }
        return evicted;
    }

    /** Deletes up to {@code limit} entries that expired by {@code now} and returns their keys. */
    List<String> removeExpired(long now, int limit) {
        List<String> removed = new ArrayList<>();
        for (String key : expiry.pollDue(now, limit)) {
            CachedAnswer answer = entries.get(key);
            if (answer != null && answer.isExpiredAt(now)) {
                entries.delete(key);
                removed.add(key);
            }
        }
        return removed;
    }
}
