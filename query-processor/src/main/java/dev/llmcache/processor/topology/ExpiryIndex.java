package dev.llmcache.processor.topology;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A time-ordered index over another store's keys, so that a punctuator finds what is due with one
 * range scan instead of walking the whole store.
 *
 * <p>Index keys are {@code <zero-padded epoch millis>|<key>}: fixed-width decimal digits sort
 * byte-wise in time order in RocksDB.
 */
final class ExpiryIndex {

    private static final String SEPARATOR = "|";

    private final KeyValueStore<String, String> store;

    ExpiryIndex(KeyValueStore<String, String> store) {
        this.store = store;
    }

    void add(long dueAt, String key) {
        store.put(indexKey(dueAt, key), key);
    }

    void remove(long dueAt, String key) {
        store.delete(indexKey(dueAt, key));
    }

    /** Removes and returns the keys due at or before {@code now}, oldest first, at most {@code limit}. */
    List<String> pollDue(long now, int limit) {
        List<KeyValue<String, String>> due = new ArrayList<>();
        try (KeyValueIterator<String, String> it = store.range(indexKey(0, ""), indexKey(now, "\uffff"))) {
            while (it.hasNext() && due.size() < limit) {
                due.add(it.next());
            }
        }
        due.forEach(entry -> store.delete(entry.key));
        return due.stream().map(entry -> entry.value).toList();
    }

    private static String indexKey(long dueAt, String key) {
        return String.format("%019d", Math.max(0, dueAt)) + SEPARATOR + key;
    }
}
