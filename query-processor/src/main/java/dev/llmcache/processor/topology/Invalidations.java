package dev.llmcache.processor.topology;

import dev.llmcache.common.event.CacheCommand;
import dev.llmcache.common.event.CachedAnswer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The invalidations of one task still being swept: each is in force from the moment it arrives
 * (a hit it matches is a miss), while a punctuator walks the cache store in batches removing what
 * it matches ({@link Sweep#cursor} says how far), so that no request waits for a scan.
 */
final class Invalidations {

    /**
     * One invalidation's progress on this task.
     *
     * @param cursor  the last cache key looked at; null before the first batch
     */
    record Sweep(CacheCommand command, String cursor, long scanned, long removed) {

        Sweep advancedTo(String key, long looked, long dropped) {
            return new Sweep(command, key, scanned + looked, removed + dropped);
        }
    }

    private final KeyValueStore<String, Sweep> store;

    Invalidations(ProcessorContext<?, ?> context) {
        this.store = context.getStateStore(StoreNames.INVALIDATIONS);
    }

    void start(CacheCommand command) {
        store.putIfAbsent(command.commandId(), new Sweep(command, null, 0, 0));
    }

    /** Whether an invalidation still being swept removes {@code entry}. */
    boolean removes(CachedAnswer entry) {
        try (KeyValueIterator<String, Sweep> it = store.all()) {
            while (it.hasNext()) {
                if (it.next().value.command().removes(entry)) {
                    return true;
                }
            }
        }
        return false;
    }

    List<Sweep> running() {
        List<Sweep> running = new ArrayList<>();
        try (KeyValueIterator<String, Sweep> it = store.all()) {
            it.forEachRemaining((KeyValue<String, Sweep> kv) -> running.add(kv.value));
        }
        return running;
    }

    void update(Sweep sweep) {
        store.put(sweep.command().commandId(), sweep);
    }

    void finish(Sweep sweep) {
        store.delete(sweep.command().commandId());
    }
}
