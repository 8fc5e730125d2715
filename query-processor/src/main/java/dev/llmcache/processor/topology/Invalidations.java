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
 * The invalidations of one task: each is in force from the moment it arrives (a hit it matches is
 * a miss), while a punctuator walks the cache store in batches removing what it matches
 * ({@link Sweep#cursor} says how far), so that no request waits for a scan. A swept invalidation
 * stays in force a while longer ({@code keepAfterSweep}, the longest an LLM call may run): an
 * answer of a call that started before it must not be cached when the call ends.
 */
final class Invalidations {

    /**
     * One invalidation's progress on this task.
     *
     * @param cursor  the last cache key looked at; null before the first batch
     */
    record Sweep(CacheCommand command, String cursor, long scanned, long removed, Boolean swept) {

        Sweep {
            swept = swept != null && swept;
        }

        Sweep advancedTo(String key, long looked, long dropped) {
            return new Sweep(command, key, scanned + looked, removed + dropped, false);
        }

        Sweep done() {
            return new Sweep(command, cursor, scanned, removed, true);
        }
    }

    private final KeyValueStore<String, Sweep> store;

    Invalidations(ProcessorContext<?, ?> context) {
        this.store = context.getStateStore(StoreNames.INVALIDATIONS);
    }

    void start(CacheCommand command) {
        store.putIfAbsent(command.commandId(), new Sweep(command, null, 0, 0, false));
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

    /** The invalidations still to be swept, oldest first. */
    List<Sweep> running() {
        List<Sweep> running = new ArrayList<>();
        try (KeyValueIterator<String, Sweep> it = store.all()) {
            it.forEachRemaining((KeyValue<String, Sweep> kv) -> {
                if (!kv.value.swept()) {
                    running.add(kv.value);
                }
            });
        }
        running.sort(java.util.Comparator.comparingLong(sweep -> sweep.command().issuedAt()));
        return running;
    }

    void update(Sweep sweep) {
        store.put(sweep.command().commandId(), sweep);
    }

    /** Swept: kept in force until {@code keepAfterSweep} after it was issued, then forgotten. */
    void swept(Sweep sweep) {
        store.put(sweep.command().commandId(), sweep.done());
    }

    /** Forgets the swept invalidations issued more than {@code keep} before {@code now}. */
    void forgetSweptBefore(long now, long keepMillis) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, Sweep> it = store.all()) {
            it.forEachRemaining((KeyValue<String, Sweep> kv) -> {
                if (kv.value.swept() && kv.value.command().issuedAt() + keepMillis < now) {
                    expired.add(kv.key);
                }
            });
        }
        expired.forEach(store::delete);
    }
}
