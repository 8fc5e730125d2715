package dev.llmcache.processor.topology;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;

/** The running LLM calls of one task, indexed by deadline so overdue calls are found without a scan. */
final class InflightStore {

    private final KeyValueStore<String, InflightEntry> entries;
    private final ExpiryIndex deadlines;

    InflightStore(ProcessorContext<?, ?> context) {
        this.entries = context.getStateStore(Stores.INFLIGHT);
        this.deadlines = new ExpiryIndex(context.getStateStore(Stores.INFLIGHT_DEADLINES));
    }

    InflightEntry get(String key) {
        return entries.get(key);
    }

    void start(String key, InflightEntry entry) {
        entries.put(key, entry);
        deadlines.add(entry.deadline(), key);
    }

    void update(String key, InflightEntry entry) {
        entries.put(key, entry);
    }

    void finish(String key, InflightEntry entry) {
        entries.delete(key);
        deadlines.remove(entry.deadline(), key);
    }

    /** Removes up to {@code limit} calls whose deadline passed by {@code now} and returns them. */
    List<KeyValue<String, InflightEntry>> removeOverdue(long now, int limit) {
        List<KeyValue<String, InflightEntry>> overdue = new ArrayList<>();
        for (String key : deadlines.pollDue(now, limit)) {
            InflightEntry entry = entries.get(key);
            if (entry != null && entry.deadline() <= now) {
                entries.delete(key);
                overdue.add(KeyValue.pair(key, entry));
            }
        }
        return overdue;
    }
}
