package dev.llmcache.processor.topology;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The running LLM calls of one task: their progress, their waiters (one record each, keyed
 * {@code <cache key>|<request id>}, so joining is one small write and the waiters of a key are one
 * prefix scan), and a deadline index so overdue calls are found without a scan.
 */
final class InflightStore {

    /** A call that ended without an answer, with the requests that waited for it. */
    record Overdue(String key, InflightEntry entry, List<Waiter> waiters) {
    }

    private static final String SEPARATOR = "|";

    private final KeyValueStore<String, InflightEntry> entries;
    private final KeyValueStore<String, Waiter> waiters;
    private final ExpiryIndex deadlines;

    InflightStore(ProcessorContext<?, ?> context) {
        this.entries = context.getStateStore(Stores.INFLIGHT);
        this.waiters = context.getStateStore(Stores.INFLIGHT_WAITERS);
        this.deadlines = new ExpiryIndex(context.getStateStore(Stores.INFLIGHT_DEADLINES));
    }

    InflightEntry get(String key) {
        return entries.get(key);
    }

    void start(String key, InflightEntry entry, Waiter first) {
        entries.put(key, entry);
        join(key, first);
        deadlines.add(entry.deadline(), key);
    }

    void join(String key, Waiter waiter) {
        waiters.put(key + SEPARATOR + waiter.requestId(), waiter);
    }

    void update(String key, InflightEntry entry) {
        entries.put(key, entry);
    }

    /** The requests waiting for {@code key}'s call, in request-id order. */
    List<Waiter> waiters(String key) {
        List<Waiter> found = new ArrayList<>();
        try (KeyValueIterator<String, Waiter> it = waiters.range(key + SEPARATOR, key + SEPARATOR + "\uffff")) {
            it.forEachRemaining(entry -> found.add(entry.value));
        }
        return found;
    }

    /** Ends the call: removes it, its waiters and its deadline; returns the waiters. */
    List<Waiter> finish(String key, InflightEntry entry) {
        entries.delete(key);
        deadlines.remove(entry.deadline(), key);
        return removeWaiters(key);
    }

    /** Removes up to {@code limit} calls whose deadline passed by {@code now} and returns them. */
    List<Overdue> removeOverdue(long now, int limit) {
        List<Overdue> overdue = new ArrayList<>();
        for (String key : deadlines.pollDue(now, limit)) {
            InflightEntry entry = entries.get(key);
            if (entry != null && entry.deadline() <= now) {
                entries.delete(key);
                overdue.add(new Overdue(key, entry, removeWaiters(key)));
            }
        }
        return overdue;
    }

    private List<Waiter> removeWaiters(String key) {
        List<Waiter> removed = waiters(key);
        removed.forEach(waiter -> waiters.delete(key + SEPARATOR + waiter.requestId()));
        return removed;
    }
}
